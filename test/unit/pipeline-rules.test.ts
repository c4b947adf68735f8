import { describe, expect, it } from 'vitest';
import { newAnnotationId } from '../../shared/domain/annotation';
import { classifyRenderFailure, failureCode, RenderRejectedError, TransientRenderError } from '../../shared/domain/render-failure';
import { STATUS_POLL, statusPollDelays, statusPollsUntil, statusPollWindowMs } from '../../shared/domain/status-polling';
import { keys, PENDING_SHARDS, pendingShardOf } from '../../shared/resources/table';

describe('pending index shards', () => {
  it('derives the shard from the annotation id alone: always the same, always in range', () => {
    const id = '01JNKQ8X7Z5V3W2Y1T0S9R8Q7P';
    expect(pendingShardOf(id)).toBe(pendingShardOf(id));
    expect(keys.pendingPartition(id)).toBe(keys.pendingShard(pendingShardOf(id)));
    expect(keys.pendingPartition(id)).toMatch(/^PENDING#\d{2}$/);
  });

  it('spreads ids made in the same millisecond over every shard, none with more than twice its share', () => {
    // Prepare: a results-day burst — 16,000 ids, 1,000 per millisecond.
    const counts = new Array<number>(PENDING_SHARDS).fill(0);
    const at = Date.parse('2026-06-20T01:00:00Z');
    for (let i = 0; i < 16_000; i++) counts[pendingShardOf(newAnnotationId(new Date(at + Math.floor(i / 1000))))]!++;

    // Assess
    const share = 16_000 / PENDING_SHARDS;
    expect(Math.min(...counts)).toBeGreaterThan(share / 2);
    expect(Math.max(...counts)).toBeLessThan(share * 2);
  });
});

describe('render failure classification', () => {
  it('is deterministic only for RenderRejectedError, with its code and holder-facing reason', () => {
    expect(classifyRenderFailure(new RenderRejectedError('CERTIFICATE_REVOKED', '证书已撤销'))).toEqual({
      kind: 'deterministic',
      code: 'CERTIFICATE_REVOKED',
      reason: '证书已撤销',
    });
  });

  it('is transient for everything else, coded by the error name or the TransientRenderError code', () => {
    expect(classifyRenderFailure(Object.assign(new Error('x'), { name: 'ServiceUnavailable' }))).toEqual({ kind: 'transient', code: 'ServiceUnavailable' });
    expect(classifyRenderFailure(new TransientRenderError('KMS_THROTTLED', { cause: new Error('x') }))).toEqual({ kind: 'transient', code: 'KMS_THROTTLED' });
    expect(classifyRenderFailure(new TypeError('undefined'))).toEqual({ kind: 'transient', code: 'TypeError' });
    expect(classifyRenderFailure('a string')).toEqual({ kind: 'transient', code: 'UnknownError' });
  });

  it('never lets an error put arbitrary text into a stored code', () => {
    expect(failureCode(Object.assign(new Error('x'), { name: '张三 110101199003077777' }))).toBe('UnknownError');
    expect(failureCode(new TransientRenderError('has space'))).toBe('UnknownError');
    expect(failureCode(Object.assign(new Error('x'), { name: 'A'.repeat(65) }))).toBe('UnknownError');
  });
});

describe('status polling schedule', () => {
  it('starts at 0.5 s and doubles to a 10 s cap, for a bounded number of reads', () => {
    expect(statusPollDelays()).toEqual([500, 1000, 2000, 4000, 8000, ...new Array(STATUS_POLL.maxPolls - 5).fill(10_000)]);
    expect(statusPollWindowMs()).toBe(115_500);
  });

  it('counts the reads a page makes until it sees READY, and stops at the bound', () => {
    expect(statusPollsUntil(300)).toBe(1);
    expect(statusPollsUntil(500)).toBe(1);
    expect(statusPollsUntil(900)).toBe(2);
    expect(statusPollsUntil(3_000)).toBe(3);
    expect(statusPollsUntil(3_600_000)).toBe(STATUS_POLL.maxPolls);
  });
});
