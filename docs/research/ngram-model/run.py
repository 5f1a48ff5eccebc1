import json, sys, time, os
from multiprocessing import Pool
sys.path.insert(0,'/tmp/clf')
from model import *
recs=[r for r in json.load(open('/tmp/clf/data.json')) if r['codes'] is not None]
for r in recs: r['key']=r['corpus']+'/'+r['id']
F={r['key']:feats(r) for r in recs}
ALL=sorted(set(r['corpus'] for r in recs))

def job(args):
    train_c,test_c=args
    tr=[r for r in recs if r['corpus'] in train_c]; te=[r for r in recs if r['corpus']==test_c]
    t=time.time(); s=fit_score(tr,te,F)
    return test_c,[(r['key'],x) for r,x in zip(te,s)],time.time()-t

def experiment(test_c,pool):
    train_cs=[c for c in ALL if c!='holdout7' and c!=test_c]
    jobs=[(set(train_cs)-{c},c) for c in train_cs]+[(set(train_cs),test_c)]
    res=pool.map(job,jobs)
    oof={};test=None
    for tc,sc,dt in res:
        print(' trained for',tc,'%.0fs'%dt,file=sys.stderr)
        if tc==test_c: test=sc
        else: oof.update(dict(sc))
    lab={r['key']:set(r['codes']) for r in recs}
    thr={}
    for c in CODES:
        keys=list(oof)
        thr[c]=best_thr([oof[k][c] for k in keys],[c in lab[k] for k in keys])
    pred={k.split('/',1)[1]:[c for c in CODES if x[c]>thr[c][0]] for k,x in test}
    json.dump({'thr':thr,'pred':pred,'scores':{k:x for k,x in test}},open(f'/tmp/clf/out/model_{test_c}.json','w'),ensure_ascii=False)
    print(test_c,'done; OOF F1 per code:',{c:round(thr[c][1],2) for c in CODES},file=sys.stderr)

if __name__=='__main__':
    with Pool(int(os.environ.get('NP','2'))) as p:
        for t in sys.argv[1:]: experiment(t,p)
