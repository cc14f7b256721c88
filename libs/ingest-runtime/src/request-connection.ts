import WebSocket from 'ws';
import type { ExchangeProtocol } from '@klineflow/exchange-modules';

/**
 * A request/response WebSocket (Binance WS-API, HTX `req`): opened on demand, answers the
 * exchange's keepalive, and matches replies to requests by id. Not for streaming.
 */
export class RequestConnection {
  private ws: WebSocket | undefined;
  private opening: Promise<WebSocket> | undefined;
  private openingSocket: WebSocket | undefined;
  private closed = false;
  private readonly pending = new Map<string, (text: string, recvTs: number) => void>();

  constructor(
    private readonly url: string,
    private readonly protocol: ExchangeProtocol,
    private readonly onDecodeError: (reason: string) => void,
  ) {}

  /** Sends `text` and resolves with the reply whose id is `id`, or rejects after `timeoutMs` or on a lost connection. */
  async request(id: string, text: string, timeoutMs: number): Promise<{ text: string; recvTs: number }> {
    const ws = await this.connect(timeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to request ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply, recvTs) => {
        clearTimeout(timer);
        resolve({ text: reply, recvTs });
      });
      ws.send(text, (error) => {
        if (!error) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(error);
      });
    });
  }

  /** For good (shutdown): a socket still opening is cut too, and no request opens another. */
  close(): void {
    this.closed = true;
    this.openingSocket?.terminate();
    this.ws?.terminate();
    this.ws = undefined;
  }

  private connect(timeoutMs: number): Promise<WebSocket> {
    if (this.closed) return Promise.reject(new Error('connection closed for good'));
    if (this.ws?.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    this.opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.url, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
      this.openingSocket = ws;
      ws.once('open', () => {
        this.ws = ws;
        resolve(ws);
      });
      ws.once('error', reject);
      ws.on('message', (data, isBinary) => this.onMessage(ws, data as Buffer, isBinary));
      ws.on('close', () => {
        if (this.ws === ws) this.ws = undefined;
        reject(new Error('connection closed before it opened'));
      });
    }).finally(() => {
      this.opening = undefined;
      this.openingSocket = undefined;
    });
    return this.opening;
  }

  private onMessage(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    const recvTs = Date.now();
    let text: string;
    try {
      text = this.protocol.decode(data, isBinary);
    } catch (error) {
      this.onDecodeError((error as { reason?: string }).reason ?? 'corrupt_frame');
      return;
    }
    const frame = this.protocol.classify(text);
    if (frame.kind === 'ping') {
      ws.send(frame.reply);
      return;
    }
    const id = frame.kind === 'response' || frame.kind === 'error' || frame.kind === 'ack' ? frame.id : undefined;
    if (id === undefined) return;
    const resolve = this.pending.get(id);
    if (!resolve) return;
    this.pending.delete(id);
    resolve(text, recvTs);
  }
}
