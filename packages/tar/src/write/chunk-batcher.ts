/**
 * Joins small buffers into chunks of about `target` bytes; a buffer at least that large passes
 * through uncopied (after what was waiting). Per-chunk costs downstream (a stream write, a hash
 * update, a compressor call) then stay per 64 KiB, not per header.
 */
export class ChunkBatcher {
  private waiting: Buffer[] = [];
  private waitingBytes = 0;

  constructor(private readonly target: number) {}

  *add(piece: Buffer): Generator<Buffer, void, undefined> {
    if (piece.length === 0) return;
    if (piece.length >= this.target) {
      yield* this.flush();
      yield piece;
      return;
    }
    this.waiting.push(piece);
    this.waitingBytes += piece.length;
    if (this.waitingBytes >= this.target) yield* this.flush();
  }

  *flush(): Generator<Buffer, void, undefined> {
    if (this.waitingBytes === 0) return;
    const chunk = this.waiting.length === 1 ? (this.waiting[0] as Buffer) : Buffer.concat(this.waiting, this.waitingBytes);
    this.waiting = [];
    this.waitingBytes = 0;
    yield chunk;
  }
}
