import { describe, expect, it } from "vitest";
import type { ChatEvent } from "../src/chat/envelope";
import { Sequence } from "../src/chat/sequence";

const event = (seq: number): ChatEvent => ({ type: "chat.text", data: { content: `#${seq}` }, seq });
const seqs = (events: ChatEvent[]) => events.map((e) => e.seq);

describe("Sequence", () => {
  it("applies events in order and drops every duplicate", () => {
    const sequence = new Sequence();
    expect(seqs(sequence.accept([event(1), event(2)]))).toEqual([1, 2]);
    expect(seqs(sequence.accept([event(2), event(1), event(3), event(3)]))).toEqual([3]);
    expect(sequence.last).toBe(3);
    expect(sequence.hasGap).toBe(false);
  });

  it("holds an event beyond a gap until the gap is filled, then applies both in order", () => {
    const sequence = new Sequence(2);
    expect(sequence.accept([event(5)])).toEqual([]);
    expect(sequence.hasGap).toBe(true);
    expect(sequence.last).toBe(2);
    // A resume reply from 2 brings 3..5; 5 is already held, so it is applied once.
    expect(seqs(sequence.accept([event(3), event(4), event(5)]))).toEqual([3, 4, 5]);
    expect(sequence.hasGap).toBe(false);
  });

  it("orders a batch that arrives shuffled", () => {
    const sequence = new Sequence();
    expect(seqs(sequence.accept([event(3), event(1), event(2)]))).toEqual([1, 2, 3]);
  });

  it("takes a resume boundary's word that a seq it passed over holds no event", () => {
    const sequence = new Sequence(9);
    // Seq 10 was given up by the log (a tombstone); 11 and 13 came live.
    expect(sequence.accept([event(11), event(13)])).toEqual([]);
    expect(seqs(sequence.settle(11))).toEqual([11]);
    expect(sequence.last).toBe(11);
    expect(sequence.hasGap).toBe(true);
    expect(seqs(sequence.accept([event(12)]))).toEqual([12, 13]);
    // A boundary behind what was applied changes nothing.
    expect(sequence.settle(5)).toEqual([]);
    expect(sequence.last).toBe(13);
  });

  it("starts after a known seq and ignores everything up to it", () => {
    const sequence = new Sequence(10);
    expect(sequence.accept([event(9), event(10)])).toEqual([]);
    expect(seqs(sequence.accept([event(11)]))).toEqual([11]);
  });
});
