#!/usr/bin/env python3
"""Build corpus.jsonl and labels.jsonl for the holdout2 blind corpus.

The conversations are hand-written in src/*.txt in a small line format:

  ## codes=a,b risk=high causes=x,y shop=s1 sku=ham [agent=a03] [pre] [start=2024-06-05T10:00]
  c: customer text          (default gap 30-150 s)
  a+45: agent text          (explicit gap in seconds; also +25m, +3h, +1d)
  s: end | transfer | timeout | rating 不满意

Conversations are shuffled with a fixed seed and numbered h2-001...h2-200.
"""
import json, random, re, sys, datetime as dt, pathlib

HERE = pathlib.Path(__file__).resolve().parent
TZ = dt.timezone(dt.timedelta(hours=8))

SKUS = {  # sku: (category, name, price, cost, shelf_life_days or None)
 'ham': ('food', '火腿肠60g*20', 29.9, 12.0, 180), 'beef': ('food', '牛肉干500g', 59.0, 30.0, 240),
 'nuts': ('food', '每日坚果礼盒', 129.0, 70.0, 180), 'honey': ('food', '土蜂蜜500g', 68.0, 28.0, 720),
 'snail': ('food', '螺蛳粉5袋装', 39.9, 18.0, 180), 'cake': ('food', '鲜花饼10枚', 35.0, 14.0, 30),
 'milk': ('baby', '婴儿奶粉900g', 268.0, 190.0, 540), 'catfood': ('pet', '猫粮2kg', 89.0, 45.0, 365),
 'fruit': ('fresh', '阳光玫瑰葡萄2斤', 49.9, 25.0, 7),
 'pbank': ('digital', '充电宝20000mAh', 129.0, 60.0, None), 'earbud': ('digital', '蓝牙耳机', 199.0, 80.0, None),
 'hdd': ('digital', '移动硬盘1TB', 359.0, 260.0, None), 'kettle': ('appliance', '电热水壶1.7L', 89.0, 40.0, None),
 'robot': ('appliance', '扫地机器人', 1299.0, 800.0, None), 'router': ('digital', '双频路由器', 229.0, 120.0, None),
 'case': ('digital', '手机壳', 19.9, 5.0, None),
 'shirt': ('clothing', '白衬衫', 159.0, 60.0, None), 'sweater': ('clothing', '羊毛衫', 299.0, 120.0, None),
 'down': ('clothing', '羽绒服', 599.0, 260.0, None), 'bedset': ('home', '纯棉四件套', 199.0, 90.0, None),
 'toy': ('toy', '儿童积木', 89.0, 35.0, None), 'cup': ('home', '保温杯500ml', 79.0, 25.0, None),
 'slipper': ('home', '居家拖鞋', 29.9, 8.0, None), 'cream': ('beauty', '保湿面霜50g', 139.0, 40.0, None),
 'ring': ('custom', '刻字手链', 99.0, 30.0, None),
}
AGENTS = {'s1': ['a01', 'a02', 'a03', 'a04'], 's2': ['a05', 'a06', 'a07'], 's3': ['a08', 'a09', 'a10']}
CARRIERS = ['zto', 'yto', 'sto', 'yunda', 'sf', 'jd', 'ems']
REGIONS = ['四川', '广东', '浙江', '北京', '上海', '河南', '湖北', '山东', '江苏', '辽宁', '陕西', '湖南']
TRAD_REGIONS = ['香港', '台湾', '澳门']
CODES = ['attitude', 'harassment', 'defamation', 'confidentiality', 'dishonesty', 'diversion',
         'sensitive_mishandled', 'negligence', 'forced_end', 'poor_service', 'false_promotion', 'shirking',
         'unkept_promise', 'process_b', 'wrong_answer', 'key_info', 'slow_response']
RISKS = ['critical', 'high', 'elevated', 'normal']
CAUSES = ['product', 'logistics', 'shipping', 'after_sales', 'service', 'promise', 'misunderstanding',
          'unreasonable', 'malicious_review']
TRAD_HINT = set('這個們嗎麼說還沒買問題貨處讓給於發會')


def gap(tok, who, rnd):
    if tok:
        m = re.fullmatch(r'(\d+)([smhd]?)', tok)
        n, u = int(m.group(1)), m.group(2) or 's'
        return n * {'s': 1, 'm': 60, 'h': 3600, 'd': 86400}[u]
    return {'c': rnd.randint(25, 150), 'a': rnd.randint(15, 75), 's': rnd.randint(60, 240)}[who]


def parse(path):
    convs, cur = [], None
    for ln, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
        line = line.rstrip()
        if not line or line.startswith('#!') or line.startswith('//'):
            continue
        if line.startswith('## '):
            cur = {'hdr': {}, 'msgs': [], 'where': f'{path.name}:{ln}'}
            for kv in line[3:].split():
                k, _, v = kv.partition('=')
                cur['hdr'][k] = v
            convs.append(cur)
            continue
        m = re.match(r'([cas])(?:\+(\w+))?:\s?(.*)$', line)
        if not m or cur is None:
            sys.exit(f'{path.name}:{ln}: bad line: {line}')
        cur['msgs'].append((m.group(1), m.group(2), m.group(3)))
    return convs


def build(conv, idx, rnd):
    h = conv['hdr']
    codes = [c for c in h.get('codes', '').split(',') if c]
    causes = [c for c in h.get('causes', '').split(',') if c]
    risk = h.get('risk', 'normal')
    for c in codes:
        assert c in CODES, (conv['where'], c)
    for c in causes:
        assert c in CAUSES, (conv['where'], c)
    assert risk in RISKS, conv['where']
    shop = h.get('shop', 's1')
    agent = h.get('agent') or rnd.choice(AGENTS[shop])
    if 'start' in h:
        t = dt.datetime.fromisoformat(h['start']).replace(tzinfo=TZ)
    else:
        day = dt.date(2024, 5, 1) + dt.timedelta(days=rnd.randint(0, 150))
        t = dt.datetime(day.year, day.month, day.day, rnd.randint(9, 20), rnd.randint(0, 59),
                        rnd.randint(0, 59), tzinfo=TZ)
    trad = any(ch in TRAD_HINT for _, _, x in conv['msgs'] for ch in x)
    out = {'id': f'h2-{idx:03d}', 'channel': 'chat', 'shop': shop, 'agent': agent,
           'customer': f'b{rnd.randint(10000, 99999)}'}
    sku = h.get('sku')
    if sku and 'pre' not in h:
        cat, name, price, cost, shelf = SKUS[sku]
        ago = int(h['ago']) if 'ago' in h else rnd.randint(4, 10)
        ordered = t - dt.timedelta(days=ago, hours=rnd.randint(0, 10))
        shipped = ordered + dt.timedelta(hours=rnd.randint(8, 30))
        delivered = shipped + dt.timedelta(hours=rnd.randint(24, 60))
        o = {'id': f'o{rnd.randint(100000000, 999999999)}', 'sku': sku, 'category': cat, 'price': price,
             'cost': cost, 'ordered_at': ordered.isoformat(), 'shipped_at': shipped.isoformat()}
        if delivered < t and 'undelivered' not in h:
            o['delivered_at'] = delivered.isoformat()
        if 'unshipped' in h:
            del o['shipped_at']
            o.pop('delivered_at', None)
        o['carrier'] = h.get('carrier') or rnd.choice(CARRIERS)
        o['region'] = h.get('region') or (rnd.choice(TRAD_REGIONS) if trad else rnd.choice(REGIONS))
        if shelf:
            o['shelf_life_days'] = shelf
            o['batch'] = (ordered - dt.timedelta(days=rnd.randint(10, 60))).strftime('%Y-%m-%d') + 'A'
        out['order'] = o
    msgs = []
    first = True
    for n, (who, g, text) in enumerate(conv['msgs'], 1):
        if not first:
            t = t + dt.timedelta(seconds=gap(g, who, rnd))
        elif g:
            t = t + dt.timedelta(seconds=gap(g, who, rnd))
        first = False
        m = {'id': f'm{n}', 'at': t.isoformat(),
             'from': {'c': 'customer', 'a': 'agent', 's': 'system'}[who]}
        if who == 's':
            ev, _, rest = text.partition(' ')
            assert ev in ('end', 'transfer', 'timeout', 'rating'), conv['where']
            m['event'] = ev
            if rest:
                m['text'] = rest
        else:
            m['text'] = text
        msgs.append(m)
    out['messages'] = msgs
    label = {'id': out['id'], 'codes': codes, 'risk': risk, 'causes': causes}
    return out, label, trad


def main():
    convs = []
    for p in sorted((HERE / 'src').glob('*.txt')):
        convs += parse(p)
    rnd = random.Random(20240618)
    rnd.shuffle(convs)
    corpus, labels, ntrad = [], [], 0
    for i, c in enumerate(convs, 1):
        o, l, trad = build(c, i, rnd)
        corpus.append(o); labels.append(l); ntrad += trad
    with open(HERE / 'corpus.jsonl', 'w', encoding='utf-8') as f:
        for o in corpus:
            f.write(json.dumps(o, ensure_ascii=False) + '\n')
    with open(HERE / 'labels.jsonl', 'w', encoding='utf-8') as f:
        for l in labels:
            f.write(json.dumps(l, ensure_ascii=False) + '\n')
    from collections import Counter
    cc = Counter(c for l in labels for c in l['codes'])
    pos = sum(1 for l in labels if l['codes'])
    print(f'{len(labels)} conversations, {pos} with incidents, {len(labels)-pos} without, {ntrad} traditional')
    for c in CODES:
        print(f'  {c:22s} {cc[c]}')
    print('risk', Counter(l['risk'] for l in labels))
    print('causes', Counter(c for l in labels for c in l['causes']))
    print('shops', Counter(o['shop'] for o in corpus), 'agents', len({o['agent'] for o in corpus}))


if __name__ == '__main__':
    main()
