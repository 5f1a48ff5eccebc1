import json, sys
sys.path.insert(0,'/tmp/clf')
from model import CODES, TONE
B='/work/main/tests/corpus/'
def prf(tp,fp,fn):
    p=tp/(tp+fp) if tp+fp else float('nan'); r=tp/(tp+fn) if tp+fn else float('nan'); return p,r
for test in sys.argv[1:]:
    gold={}
    for l in open(B+test+'/labels.jsonl'):
        if l.strip(): d=json.loads(l); gold[d['id']]=set(d['codes'])
    rules={k:set() for k in gold}
    for l in open(f'/tmp/clf/out/rules_qa_{test}.jsonl'):
        if l.strip():
            d=json.loads(l); rules[d['conversation']]|={f['code'] for f in d['findings']}
    mp=json.load(open(f'/tmp/clf/out/model_{test}.json'))['pred']
    model={k:set(mp.get(k,[])) for k in gold}
    systems={'rules':rules,'model':model,
             'OR':{k:rules[k]|model[k] for k in gold},'AND':{k:rules[k]&model[k] for k in gold}}
    print(f'\n=== {test} (n={len(gold)}) ===')
    hdr='%-21s %3s'%('code','sup')+''.join('  %-13s'%s for s in systems)
    print(hdr); print(' '*25+'   P     R      '*4)
    tot={s:{'all':[0,0,0],'tone':[0,0,0],'other':[0,0,0]} for s in systems}
    for c in CODES:
        sup=sum(c in g for g in gold.values()); row='%-21s %3d'%(c+('*' if c in TONE else ''),sup)
        for s,pred in systems.items():
            tp=sum(c in pred[k] and c in gold[k] for k in gold); fp=sum(c in pred[k] and c not in gold[k] for k in gold); fn=sup-tp
            for g in ('all','tone' if c in TONE else 'other'):
                for i,v in enumerate((tp,fp,fn)): tot[s][g][i]+=v
            p,r=prf(tp,fp,fn); row+='  %5.2f %5.2f  '%(p,r)
        print(row)
    for g in ('all','tone','other'):
        row='%-25s'%('MICRO '+g)
        for s in systems:
            p,r=prf(*tot[s][g]); f=2*p*r/(p+r); row+='  %5.3f %5.3f  '%(p,r)
        print(row)
    print('F1 micro all: '+'  '.join('%s %.3f'%(s,2*tot[s]['all'][0]/(2*tot[s]['all'][0]+tot[s]['all'][1]+tot[s]['all'][2])) for s in systems))
    print('F1 micro tone: '+'  '.join('%s %.3f'%(s,2*tot[s]['tone'][0]/(2*tot[s]['tone'][0]+tot[s]['tone'][1]+tot[s]['tone'][2])) for s in systems))
