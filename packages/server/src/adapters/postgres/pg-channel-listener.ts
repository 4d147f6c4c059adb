// One connection LISTENing on one PostgreSQL channel, opened on demand and again after a loss.
import pg from 'pg';

export interface PgChannelListenerOptions {
  url: string;
  /** A channel name of letters, digits and underscores (it is written into LISTEN as an identifier). */
  channel: string;
  onNotification: (payload: string) => void;
  /**
   * Listening, at first or again after a loss: whatever was announced while nobody listened is
   * missed, so the caller looks for it now.
   */
  onListening?: () => void;
  /** The connection was lost (not by `close`); notifications stop until it listens again. */
  onLost?: () => void;
  onError?: (error: Error) => void;
  /** Whether to open the connection again after a failure or a loss; default always. */
  wanted?: () => boolean;
}

const CONNECT_TIMEOUT_MS = 3000;
/** A lost or refused connection is tried again at most this often. */
const RECONNECT_DELAY_MS = 1000;
const CHANNEL = /^[a-z_][a-z0-9_]*$/;

export class PgChannelListener {
  private client: pg.Client | null = null;
  private connecting = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private lastAttempt = 0;
  private closed = false;

  constructor(private readonly options: PgChannelListenerOptions) {
    if (!CHANNEL.test(options.channel)) throw new RangeError(`invalid notification channel name: ${options.channel}`);
  }

  /** Whether it listens now (its connection is up and LISTEN was accepted). */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Starts listening unless it does, or will shortly (after a failure, at most once a second). */
  ensure(): void {
    if (this.closed || this.client || this.connecting || this.retryTimer) return;
    const wait = this.lastAttempt + RECONNECT_DELAY_MS - Date.now();
    if (wait > 0) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.wanted()) this.ensure();
      }, wait);
      this.retryTimer.unref();
      return;
    }
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private wanted(): boolean {
    return !this.closed && (this.options.wanted?.() ?? true);
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    this.lastAttempt = Date.now();
    const { url, channel, onNotification, onListening, onLost, onError } = this.options;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    const lost = (error?: Error) => {
      if (error) onError?.(error);
      if (this.client !== client) return;
      this.client = null;
      onLost?.();
      if (this.wanted()) this.ensure();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onNotification(message.payload);
    });
    let listening = false;
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      listening = true;
    } catch (error) {
      onError?.(error as Error);
      await client.end().catch(() => undefined);
    } finally {
      this.connecting = false;
    }
    if (listening) onListening?.();
    else if (this.wanted()) this.ensure();
  }
}
