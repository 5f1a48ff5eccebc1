# Load all corpora, fold traditional->simplified via opencc CLI, dump /tmp/clf/data.json
import json, subprocess
B='/work/main/tests/corpus/'
names=['dev','holdout','holdout2','holdout3','holdout4','holdout5','holdout6','holdout7','train2','train3','train4','train5','probe-b']
recs=[]
for n in names:
    labs={}
    for l in open(B+n+'/labels.jsonl'):
        if l.strip():
            d=json.loads(l); labs[d['id']]=d['codes']
    for l in open(B+n+'/corpus.jsonl'):
        if not l.strip(): continue
        d=json.loads(l)
        msgs=[(m.get('from'),(m.get('text') or '').replace('\n',' '),m.get('event'),m.get('at')) for m in d['messages']]
        recs.append({'corpus':n,'id':d['id'],'codes':labs.get(d['id']),'msgs':msgs})
texts=[m[1] for r in recs for m in r['msgs']]
out=subprocess.run(['opencc','-c','t2s'],input='\n'.join(texts)+'\n',capture_output=True,text=True).stdout.split('\n')
assert len(out)>=len(texts)
i=0; changed=0
for r in recs:
    new=[]
    for m in r['msgs']:
        if out[i]!=m[1]: changed+=1
        new.append((m[0],out[i],m[2],m[3])); i+=1
    r['msgs']=new
print(len(recs),'convs; messages changed by t2s:',changed)
json.dump(recs,open('/tmp/clf/data.json','w'),ensure_ascii=False)
