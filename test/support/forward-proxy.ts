// A forward proxy on 127.0.0.1 for tests: CONNECT tunnels (what undici's proxy agent opens, for
// http and https targets alike) and plain absolute-form requests, each logged with its target, so a
// test can tell that traffic went through it — and optional Basic credentials it requires.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export class ForwardProxy {
  /** host:port of each CONNECT, or the URL of each forwarded request, in order. */
  readonly targets: string[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, private readonly credentials: string | undefined) {}

  /** @param credentials "user:password" the proxy requires (407 without), or none */
  static async start(credentials?: string): Promise<ForwardProxy> {
    const server = createServer();
    const proxy = new ForwardProxy(server, credentials);
    server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => proxy.tunnel(req, client, head));
    server.on('request', (req, res) => {
      if (!proxy.allowed(req)) return void res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end();
      proxy.targets.push(req.url ?? '');
      const upstream = request(req.url ?? '', { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    server.on('connection', (s) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private allowed(req: IncomingMessage): boolean {
    if (!this.credentials) return true;
    return req.headers['proxy-authorization'] === `Basic ${Buffer.from(this.credentials).toString('base64')}`;
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    if (!this.allowed(req)) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n');
    const target = req.url ?? '';
    this.targets.push(target);
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
