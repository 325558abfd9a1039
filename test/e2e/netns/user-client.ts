// A user in the users' namespace (run there with `ip netns exec`): sends generate requests to the control plane's
// router and prints one JSON line per request: when it was sent and answered (epoch ms), the TTFT this client saw
// (request sent -> first token line), the replica's own time to that token (the line's atMs,
// examples/serve/serve.py), and the router's summary (site, replica, its measured TTFT, error).
//   node --import tsx user-client.ts URL TOKEN SERVICE ORIGIN COUNT INTERVAL_MS [MAX_TOKENS] [TIMEOUT_MS]
// INTERVAL_MS 0: one request after the other; > 0: a request every INTERVAL_MS whether or not the last one came
// back (open loop, as many users would), each given up after TIMEOUT_MS (default 10,000).
import { performance } from 'node:perf_hooks';

interface Result {
  i: number;
  sentAt: number;
  endAt: number;
  status: number;
  ttftMs: number | null;
  replicaMs: number | null;
  tokens: number;
  site: string | null;
  replica: string | null;
  routerTtftMs: number | null;
  networkRttMs: number | null;
  error: string | null;
}

async function one(i: number, a: string[], maxTokens: number, timeoutMs: number): Promise<Result> {
  const [url, token, service, origin] = a;
  const sentAt = Date.now();
  const t0 = performance.now();
  const r: Result = {
    ...{ i, sentAt, endAt: 0, status: 0, ttftMs: null, replicaMs: null, tokens: 0 },
    ...{ site: null, replica: null, routerTtftMs: null, networkRttMs: null, error: null },
  };
  try {
    const res = await fetch(`${url}/v1/services/${service}/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: `user ${i} asks`, maxTokens, origin }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    r.status = res.status;
    let pending = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) {
      pending += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (line.done || res.status !== 200) {
          Object.assign(r, { site: line.site ?? null, replica: line.replica ?? null, error: line.error ?? null });
          Object.assign(r, { routerTtftMs: line.ttftMs ?? null, networkRttMs: line.networkRttMs ?? null });
          if (res.status !== 200) r.error = line.message ?? JSON.stringify(line);
          continue;
        }
        if (r.tokens++ === 0) {
          r.ttftMs = performance.now() - t0;
          r.replicaMs = typeof line.atMs === 'number' ? line.atMs : null;
        }
      }
    }
  } catch (err) {
    r.error = (err as Error).message;
  }
  r.endAt = Date.now();
  return r;
}

async function main(): Promise<void> {
  const a = process.argv.slice(2);
  const count = Number(a[4]);
  const intervalMs = Number(a[5]);
  const maxTokens = Number(a[6] ?? 4);
  const timeoutMs = Number(a[7] ?? 10_000);
  if (a.length < 6 || !(count >= 1 && count <= 1000) || !(intervalMs >= 0)) {
    process.stderr.write('usage: user-client.ts URL TOKEN SERVICE ORIGIN COUNT(1..1000) INTERVAL_MS [MAX_TOKENS]\n');
    process.exit(2);
  }
  const print = (r: Result): void => void process.stdout.write(JSON.stringify(r) + '\n');
  if (intervalMs === 0) {
    for (let i = 0; i < count; i++) print(await one(i, a, maxTokens, timeoutMs));
    return;
  }
  const all: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    all.push(one(i, a, maxTokens, timeoutMs).then(print));
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await Promise.all(all);
}

await main();
