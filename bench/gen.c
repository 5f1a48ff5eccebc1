/*
 * bench/gen: a deterministic archive of SPEC 3.1 conversations for the
 * benchmarks, so gigabytes of input never live in the repository.
 *
 *   gen MEGABYTES [SEED] > archive.jsonl
 *   gen words N [SEED]   > words.txt   (N distinct extra CJK words)
 *
 * Text is built from everyday customer-service phrases (simplified and
 * traditional, some with full-width letters, emoji and separators); about
 * 2% of conversations carry an incident (a disguised platform name, an
 * insult, 好评返现, a 315 threat left unanswered...), as in real archives
 * where incidents are rare. Same arguments, same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static const char *pick(const char *const *v, size_t n) { return v[next() % n]; }
#define PICK(v) pick(v, sizeof v / sizeof v[0])

static const char *const cust[] = {
    "你好，请问这款还有货吗", "什么时候发货呀", "我的快递到哪了", "能便宜一点吗",
    "这个尺码偏大还是偏小", "收到了，挺好的，谢谢", "颜色和图片一样吗", "可以开发票吗",
    "请问保修多久", "麻烦帮我查一下物流", "这个能用多久", "有没有赠品",
    "我想换个颜色", "下单了，麻烦尽快发", "包装有点破，东西没坏", "好的，谢谢亲",
    "請問這款有現貨嗎", "什麼時候出貨呢", "我的包裹到哪裡了", "這個顏色跟圖片一樣嗎",
    "可以幫我改地址嗎", "謝謝你們，很滿意", "有沒有優惠券可以用", "這個適合送人嗎",
    "想问下ＸＬ码有没有", "iPhone 15能用吗", "充电头是PD快充吗", "1TB的有没有货",
    "好的👌", "收到啦😊", "嗯嗯，明白了", "那我先拍了哈",
};
static const char *const agent[] = {
    "亲，有货的哦，今天下单今天发", "亲，48小时内发货，请耐心等待", "亲，我帮您查一下物流~",
    "亲，这是活动价了，已经很优惠了", "亲，建议按平时的尺码选", "感谢亲的支持，祝您生活愉快",
    "亲，实物和图片一致的哦", "可以的亲，下单备注抬头就行", "亲，整机保修一年",
    "亲，目前在转运中心，明天派送", "好的亲，已经给您备注了", "亲，收到有问题随时找我",
    "親，有現貨的喔，今天下單今天出貨", "親，已經幫您備註了", "感謝親的支持，有問題隨時找我",
    "親，包裹在轉運中心，明天派送", "亲，XL码有的，库存充足", "亲，支持PD 20W快充",
    "亲，1TB款有现货", "好的亲😊", "亲，麻烦稍等，我核实一下", "亲，有问题随时联系我们",
};
static const char *const thanks[] = {
    "好的，谢谢", "好的谢谢亲", "收到，谢谢", "好的👌", "謝謝你", "嗯嗯好的",
};
static const char *const incidents[] = {
    "这个没货了，您去淘 宝搜搜看", "加我ＶＸ给您便宜点", "你是不是傻，说了多少遍了",
    "五星好评晒图返现5元哦", "这不归我们管，你自己找快递", "拆封了就不能退了亲",
    "中通就是慢，出了名的", "我们这款100%不会坏，永不褪色", "你等着瞧，看最后谁吃亏",
    "去某宝看看吧，那边便宜", "偷偷告诉你，这款成本价才30",
};

static char buf[1 << 16];

static void iso(char *out, size_t sz, long t)
{
    long d = t / 86400, s = t % 86400;
    int day = (int)(d % 28) + 1, mon = (int)((d / 28) % 12) + 1;
    snprintf(out, sz, "2024-%02d-%02dT%02ld:%02ld:%02ld+08:00", mon, day,
             s / 3600, (s / 60) % 60, s % 60);
}

static size_t conversation(long id, long *clock)
{
    size_t n = 0;
    /* customer and agent alternate; the agent has the last word */
    int nmsg = 4 + 2 * (int)(next() % 5);
    int incident = next() % 100 < 2;
    int bad = incident ? 1 + 2 * (int)(next() % (unsigned)(nmsg / 2)) : -1;
    char at[40];
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "{\"id\":\"c-%ld\",\"channel\":\"chat\",\"shop\":\"s%u\","
                          "\"agent\":\"a%02u\",\"customer\":\"b%ld\",\"messages\":[",
                          id, next() % 20, next() % 60, id % 100000);
    for (int i = 0; i < nmsg; i++) {
        int is_agent = i % 2;
        *clock += 5 + (long)(next() % 60);
        iso(at, sizeof at, *clock);
        const char *text = is_agent ? (i == bad ? PICK(incidents) : PICK(agent))
                           : i == nmsg - 2 ? PICK(thanks)
                                           : PICK(cust);
        n += (size_t)snprintf(buf + n, sizeof buf - n,
                              "%s{\"id\":\"m%d\",\"at\":\"%s\",\"from\":\"%s\","
                              "\"text\":\"%s\"}", i ? "," : "", i + 1, at,
                              is_agent ? "agent" : "customer", text);
    }
    *clock += 30;
    iso(at, sizeof at, *clock);
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          ",{\"id\":\"m%d\",\"at\":\"%s\",\"from\":\"system\","
                          "\"event\":\"end\"}]}\n", nmsg + 1, at);
    return n;
}

/* N distinct three-character words from the CJK block, for measuring how
 * the cost grows with the pack's size. */
static int words(long n)
{
    for (long i = 0; i < n; i++) {
        unsigned a = 0x4E00 + (unsigned)(i % 20000);
        unsigned b = 0x4E00 + (unsigned)((i * 7919 + 13) % 20000);
        unsigned c = 0x4E00 + next() % 20000;
        printf("%c%c%c%c%c%c%c%c%c\n", 0xE0 | (a >> 12), 0x80 | ((a >> 6) & 63),
               0x80 | (a & 63), 0xE0 | (b >> 12), 0x80 | ((b >> 6) & 63),
               0x80 | (b & 63), 0xE0 | (c >> 12), 0x80 | ((c >> 6) & 63),
               0x80 | (c & 63));
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "words")) {
        rng = argc > 3 ? strtoull(argv[3], NULL, 10) : 7;
        return words(atol(argv[2]));
    }
    if (argc < 2 || atof(argv[1]) <= 0) {
        fprintf(stderr, "usage: gen MEGABYTES [SEED] > archive.jsonl\n");
        return 2;
    }
    uint64_t want = (uint64_t)(atof(argv[1]) * 1048576.0);
    rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 88172645463325252ull;
    if (!rng)
        rng = 1;
    uint64_t written = 0;
    long clock = 0;
    for (long id = 1; written < want; id++) {
        size_t n = conversation(id, &clock);
        if (fwrite(buf, 1, n, stdout) != n) {
            perror("gen: write");
            return 1;
        }
        written += n;
    }
    return 0;
}
