import type { ChatEvent } from "./envelope";

/**
 * Puts a chat's persisted events in order, each exactly once, whatever way they arrive: live group
 * messages, resume replies, or both overlapping after a reconnect. It keeps the highest seq up to
 * which everything was applied; anything at or below it is a duplicate, anything beyond the next one
 * waits here until a resume fills the gap, so no event is applied before its predecessors.
 *
 * Not every seq holds an event: the log gives up seqs reserved by an append that did not use them
 * (tombstones, which readers step over). Only a resume reply can tell, so its boundary settles
 * everything up to the seq it names.
 */
export class Sequence {
  private contiguous: number;
  private readonly ahead = new Map<number, ChatEvent>();

  constructor(lastSeq = 0) {
    this.contiguous = lastSeq;
  }

  /** The highest seq such that it and every seq before it were applied. */
  get last(): number {
    return this.contiguous;
  }

  /** True while an event beyond a missing one is held: the caller should resume from {@link last}. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  /** The events that can be applied now, in seq order; duplicates dropped, early ones held. */
  accept(events: Iterable<ChatEvent>): ChatEvent[] {
    for (const event of events) {
      if (event.seq > this.contiguous && !this.ahead.has(event.seq)) {
        this.ahead.set(event.seq, event);
      }
    }
    const ready: ChatEvent[] = [];
    for (let next = this.ahead.get(this.contiguous + 1); next; next = this.ahead.get(this.contiguous + 1)) {
      this.ahead.delete(next.seq);
      this.contiguous = next.seq;
      ready.push(next);
    }
    return ready;
  }

  /**
   * The log is accounted for up to `seq` (a resume boundary's `last_seq`): the held events up to it,
   * in order, then whatever follows them without a gap. A seq up to it that never came holds nothing.
   */
  settle(seq: number): ChatEvent[] {
    const ready: ChatEvent[] = [];
    for (const held of [...this.ahead.keys()].sort((a, b) => a - b)) {
      if (held > seq) {
        break;
      }
      ready.push(this.ahead.get(held)!);
      this.ahead.delete(held);
    }
    this.contiguous = Math.max(this.contiguous, seq);
    return ready.concat(this.accept([]));
  }
}
