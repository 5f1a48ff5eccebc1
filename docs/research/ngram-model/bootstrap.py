# paired bootstrap over conversations: micro-F1(model) - micro-F1(rules), and OR - rules
import json,random,sys
sys.path.insert(0,'/tmp/clf'); from model import CODES,TONE
B='/work/main/tests/corpus/'; test=sys.argv[1]
gold={}
for l in open(B+test+'/labels.jsonl'):
    d=json.loads(l); gold[d['id']]=set(d['codes'])
rules={k:set() for k in gold}
for l in open(f'/tmp/clf/out/rules_qa_{test}.jsonl'):
    d=json.loads(l); rules[d['conversation']]|={f['code'] for f in d['findings']}
mp=json.load(open(f'/tmp/clf/out/model_{test}.json'))['pred']; model={k:set(mp.get(k,[])) for k in gold}
OR={k:rules[k]|model[k] for k in gold}
ids=list(gold)
def cnt(pred,codes,k):
    g=gold[k]&codes; p=pred[k]&codes; return len(g&p),len(p-g),len(g-p)
def f1(pred,codes,sample):
    tp=fp=fn=0
    for k in sample:
        a,b,c=cnt(pred,codes,k); tp+=a;fp+=b;fn+=c
    return 2*tp/(2*tp+fp+fn)
rnd=random.Random(1)
for name,codes in (('all',set(CODES)),('tone',set(TONE))):
    for sysn,s in (('model',model),('OR',OR)):
        d=[]
        for _ in range(2000):
            smp=[rnd.choice(ids) for _ in ids]; d.append(f1(s,codes,smp)-f1(rules,codes,smp))
        d.sort(); print(test,name,sysn,'-rules dF1 = %.3f  95%% CI [%.3f, %.3f]  P(d<=0)=%.3f'%(f1(s,codes,ids)-f1(rules,codes,ids),d[50],d[1949],sum(x<=0 for x in d)/len(d)))
