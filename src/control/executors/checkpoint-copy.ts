// Checkpoint copies between sites, the edge side effect of checkpoint replication: a receiver process in
// the destination site's network namespace listens on its address, a sender in the source site's namespace
// connects and streams the files, so the bytes cross the shaped WAN link and share it with the training
// traffic. Without namespaces both run on loopback (said in the result). The receiver writes how many bytes
// it has received so far into `countFile` (the trainer subtracts them from its link count: replication is
// not the gradient exchange the plan predicts). Files land as <name>.part and are renamed when whole.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

/** Receiver: `node -e RECEIVER host dir countFile`; prints {"port"} once listening, {"bytes"} at the end. */
const RECEIVER = `
const net=require('net'),fs=require('fs'),path=require('path');
const [host,dir,countFile,marker,inFile]=process.argv.slice(1);
const inMark=inFile.replace(/\\.bytes$/,'')+'.active';
let total=0,buf=Buffer.alloc(0),cur=null,fd=null,left=0;
const srv=net.createServer({allowHalfOpen:true},(s)=>{
  fs.writeFileSync(inMark,'');
  s.on('data',(d)=>{
    total+=d.length; fs.writeFileSync(countFile,String(total)); buf=Buffer.concat([buf,d]);
    for(;;){
      if(!cur){const i=buf.indexOf(10); if(i<0)break; cur=JSON.parse(buf.subarray(0,i).toString());
        buf=buf.subarray(i+1); left=cur.size; fd=fs.openSync(path.join(dir,cur.name+'.part'),'w');}
      const n=Math.min(left,buf.length);
      if(n>0){fs.writeSync(fd,buf.subarray(0,n)); buf=buf.subarray(n); left-=n;}
      if(left>0)break;
      fs.closeSync(fd); fs.renameSync(path.join(dir,cur.name+'.part'),path.join(dir,cur.name)); cur=null;
    }
  });
  s.on('end',()=>{fs.writeFileSync(countFile,String(total)); fs.writeFileSync(inFile,String(total));
    for(const m of [marker,inMark]){try{fs.unlinkSync(m);}catch{}}
    s.end(JSON.stringify({bytes:total,complete:cur===null})+'\\n'); srv.close();});
});
srv.listen(0,host,()=>console.log(JSON.stringify({port:srv.address().port})));
`;

/** Sender: `node -e SENDER host port marker file...`: marks the copy active, then a JSON header line and the bytes per file. */
const SENDER = `
const net=require('net'),fs=require('fs'),path=require('path');
const [host,port,marker,...files]=process.argv.slice(1);
fs.writeFileSync(marker,'');
const s=net.connect(Number(port),host,()=>{
  for(const f of files){const b=fs.readFileSync(f); s.write(JSON.stringify({name:path.basename(f),size:b.length})+'\\n'); s.write(b);}
  s.end();
});
let out=''; s.on('data',(d)=>{out+=d;}); s.on('end',()=>process.stdout.write(out));
s.on('error',(e)=>{console.error(e.message); process.exit(1);});
`;

export interface CopyEnd {
  /** Network namespace of the site (null: this host's own network). */
  netns: string | null;
  /** Address the receiver listens on (the destination site's address; 127.0.0.1 without namespaces). */
  address: string;
}

export interface CopyRequest {
  from: CopyEnd;
  to: CopyEnd;
  files: string[];
  /** Destination folder (exists). */
  toDir: string;
  /** Where the receiver keeps its running byte count (the sending site's folder). */
  countFile: string;
  /** Where the receiver leaves its final count (the receiving site's folder: its trainer sees the copy too). */
  inFile: string;
  timeoutMs: number;
}

export interface CopyResult {
  bytes: number;
  seconds: number;
  /** 'wan-link': through the namespaces' shaped link; 'loopback': this host's network. */
  over: 'wan-link' | 'loopback';
}

function nodeIn(netns: string | null, script: string, args: string[]): ChildProcess {
  const argv = [process.execPath, '-e', script, ...args];
  const [cmd, ...rest] = netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  return spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The first JSON line a process prints (or the reason it printed none). */
function firstJson(p: ChildProcess, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Record<string, unknown>);
    });
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => reject(new Error(`${what} exited (${code}) before answering: ${err.trim().slice(0, 300)}`)));
  });
}

/** Copies `files` from one site to the other through the network between them; rejects on failure or timeout. */
export async function copyCheckpointFiles(req: CopyRequest, clock: () => number): Promise<CopyResult> {
  for (const f of [req.countFile, req.inFile]) mkdirSync(dirname(f), { recursive: true });
  const t0 = clock();
  // on the link from the sender's first byte to the receiver's last count (the trainer skips readings meanwhile)
  const marker = req.countFile.replace(/\.bytes$/, '') + '.active';
  const inMarker = req.inFile.replace(/\.bytes$/, '') + '.active';
  const receiver = nodeIn(req.to.netns, RECEIVER, [req.to.address, req.toDir, req.countFile, marker, req.inFile]);
  let sender: ChildProcess | null = null;
  const timer = setTimeout(() => {
    receiver.kill('SIGKILL');
    sender?.kill('SIGKILL');
  }, req.timeoutMs);
  try {
    const { port } = await firstJson(receiver, 'checkpoint receiver');
    sender = nodeIn(req.from.netns, SENDER, [req.to.address, String(port), marker, ...req.files]);
    const done = await firstJson(sender, 'checkpoint sender');
    if (done.complete !== true) throw new Error('checkpoint copy ended inside a file');
    const seconds = (clock() - t0) / 1000;
    return { bytes: Number(done.bytes), seconds, over: req.from.netns && req.to.netns ? 'wan-link' : 'loopback' };
  } finally {
    clearTimeout(timer);
    receiver.kill('SIGKILL');
    sender?.kill('SIGKILL');
    for (const m of [marker, inMarker]) rmSync(m, { force: true });
  }
}
