/**
 * A tiny authoritative DNS server over UDP (RFC 1035 §4) that answers TXT questions from a
 * table and NXDOMAIN otherwise, so the DNS proof of a domain is tested against a real
 * resolver (node:dns) without touching the machine's DNS.
 */
import { createSocket } from 'node:dgram';
import { freePort } from './ports.js';

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for `tenancy.domainVerification.dnsServers`. */
  address: string;
  /** TXT records by name (lowercase, no trailing dot). */
  txt: Map<string, string[]>;
  stop(): Promise<void>;
}

function readName(msg: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = start;
  while (msg[i]! !== 0) {
    const length = msg[i]!;
    labels.push(msg.subarray(i + 1, i + 1 + length).toString('ascii'));
    i += 1 + length;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 1 };
}

function txtRecord(value: string): Buffer {
  const strings: Buffer[] = [];
  for (let i = 0; i < value.length || i === 0; i += 255) {
    const chunk = Buffer.from(value.slice(i, i + 255), 'ascii');
    strings.push(Buffer.concat([Buffer.from([chunk.length]), chunk]));
  }
  const data = Buffer.concat(strings);
  // Name: a pointer to the question's name (offset 12); type TXT (16), class IN, TTL 60.
  const head = Buffer.from([0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, data.length >> 8, data.length & 255]);
  return Buffer.concat([head, data]);
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const port = await freePort();
  const txt = new Map<string, string[]>();
  const socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const { name, end } = readName(msg, 12);
    const type = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    const values = type === 16 ? (txt.get(name) ?? []) : [];
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2);
    // QR, AA, RD copied; RCODE 3 (NXDOMAIN) when the name is unknown.
    header.writeUInt16BE(0x8400 | (msg.readUInt16BE(2) & 0x0100) | (txt.has(name) ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(values.length, 6);
    socket.send(Buffer.concat([header, question, ...values.map(txtRecord)]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${port}`,
    txt,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
