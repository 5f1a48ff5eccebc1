# One-vs-rest L2 logistic regression (SGD, pure Python) on char n-grams.
import json, math, random, sys, time, collections
from datetime import datetime
CODES=['attitude','harassment','defamation','confidentiality','dishonesty','diversion','sensitive_mishandled','forced_end',
       'poor_service','false_promotion','shirking','unkept_promise','process_b','wrong_answer','key_info','slow_response']
TONE=['poor_service','attitude','key_info','false_promotion','process_b','wrong_answer','shirking','defamation','dishonesty']

def ts(a):
    try: return datetime.fromisoformat(a).timestamp()
    except Exception: return None

def feats(r):
    f=set()
    prev_cust_t=None; maxgap=0; last=None
    for frm,text,ev,at in r['msgs']:
        if frm=='agent':
            t=''.join(text.split())
            for n in (1,2,3):
                for i in range(len(t)-n+1): f.add('A:'+t[i:i+n])
            tt=ts(at) if at else None
            if prev_cust_t and tt: maxgap=max(maxgap,tt-prev_cust_t); prev_cust_t=None
        elif frm=='customer':
            t=''.join(text.split())
            for i in range(len(t)-1): f.add('C:'+t[i:i+2])
            if prev_cust_t is None: prev_cust_t=ts(at) if at else None
        elif frm=='system':
            f.add('E:'+str(ev))
        if frm in ('agent','customer'): last=frm
    f.add('S:last_'+str(last))
    for b in (60,180,600,1800):
        if maxgap>=b: f.add('S:gap>=%d'%b)
    if not any(m[0]=='agent' for m in r['msgs']): f.add('S:noagent')
    return f

def vectorize(train_docs, mindf=3):
    df=collections.Counter()
    for d in train_docs: df.update(d)
    vocab={k:i for i,k in enumerate(k for k,v in df.items() if v>=mindf)}
    return vocab

def encode(docs,vocab):
    out=[]
    for d in docs:
        ids=[vocab[k] for k in d if k in vocab]
        out.append((ids,1.0/math.sqrt(len(ids)+1)))
    return out

def train(X,Y,nf,epochs=12,lam=1e-5,lr0=0.5,seed=0):
    """X: list of (ids,val); Y: list of code sets. returns dict code->(w,b)"""
    rnd=random.Random(seed)
    models={}
    n=len(X)
    for c in CODES:
        y=[1 if c in s else 0 for s in Y]
        pos=sum(y); wpos=min(10.0,(n-pos)/max(pos,1))**0.5  # mild class weighting
        w=[0.0]*nf; b=0.0
        order=list(range(n)); t=0
        for ep in range(epochs):
            rnd.shuffle(order)
            lr=lr0/(1+ep*0.5)
            for i in order:
                ids,v=X[i]
                z=b+v*sum([w[j] for j in ids])
                z=max(-30,min(30,z))
                p=1/(1+math.exp(-z))
                g=(p-y[i])*(wpos if y[i] else 1.0)
                gv=lr*g*v
                shrink=1-lr*lam
                for j in ids: w[j]=w[j]*shrink-gv
                b-=lr*g*0.1
        models[c]=(w,b)
    return models

def score(models,X):
    out=[]
    for ids,v in X:
        d={}
        for c,(w,b) in models.items():
            d[c]=b+v*sum([w[j] for j in ids])
        out.append(d)
    return out

def fit_score(train_recs,test_recs,F):
    vocab=vectorize([F[r['key']] for r in train_recs])
    Xtr=encode([F[r['key']] for r in train_recs],vocab)
    Xte=encode([F[r['key']] for r in test_recs],vocab)
    m=train(Xtr,[set(r['codes']) for r in train_recs],len(vocab))
    return score(m,Xte)

def best_thr(scores,labels):
    # maximise F1 on pooled out-of-fold scores
    pairs=sorted(zip(scores,labels),reverse=True)
    P=sum(labels); tp=fp=0; best=(-1,1e9)
    for k,(s,l) in enumerate(pairs):
        if l: tp+=1
        else: fp+=1
        if k+1<len(pairs) and pairs[k+1][0]==s: continue
        f1=2*tp/(tp+fp+P) if P else 0
        if f1>best[0]:
            nxt=pairs[k+1][0] if k+1<len(pairs) else s-1
            best=(f1,(s+nxt)/2)
    return best[1],best[0]
