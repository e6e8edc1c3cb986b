/**
 * A real load balancer on loopback: Debian's nginx, round robin over the given upstreams,
 * passing `X-Forwarded-Proto: https` as a TLS-terminating proxy would. Its access log
 * records which upstream answered each request, so a suite can show both did.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.js';
import { scratchDir } from './redis-node.js';
import { onProcessEnd } from './redis-server.js';

export interface Nginx {
  port: number;
  /** `upstream status method path` for every request so far. */
  accessLog(): { upstream: string; status: number; request: string }[];
  stop(): Promise<void>;
}

const NGINX = ['/usr/sbin/nginx', 'nginx'];

function nginxBinary(): string {
  for (const bin of NGINX) {
    const probe = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    if (!probe.error && probe.status === 0) return bin;
  }
  throw new Error('nginx is not installed (Debian: apt-get install nginx); the load-balancer suite never skips.');
}

export async function startNginx(upstreams: number[], listenPort?: number): Promise<Nginx> {
  const bin = nginxBinary();
  const dir = scratchDir('nginx');
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = listenPort ?? (await freePort());
  const log = join(dir, 'access.log');
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format upstream '$upstream_addr $status $request';
  access_log ${log} upstream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream gatehouse {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 16;
  }
  # max_fails=0: the start-up probe (before the upstreams listen) must not take one out of the rotation.
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://gatehouse;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream off;
    }
  }
}
`;
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', confPath], { stdio: 'ignore' });
  child.unref();
  onProcessEnd(() => child.kill('SIGKILL'));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    // Any answer (a 502 while the upstreams start) means nginx listens.
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error('nginx did not start');
    await sleep(100);
  }
  return {
    port,
    accessLog() {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {}
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [upstream, status, ...request] = line.split(' ');
          return { upstream: upstream!, status: Number(status), request: request.join(' ') };
        });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.ref();
      child.kill('SIGQUIT');
      await exited;
    },
  };
}
