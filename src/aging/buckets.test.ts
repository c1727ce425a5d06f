import { describe, expect, it } from 'vitest';
import { buildBuckets, parseBucketLimits } from './buckets.js';

describe('parseBucketLimits', () => {
  it('reads comma-separated days', () => {
    expect(parseBucketLimits('0,30,60,90,120,180,365')).toEqual([0, 30, 60, 90, 120, 180, 365]);
    expect(parseBucketLimits(' -15 , 0, 45 ')).toEqual([-15, 0, 45]);
    expect(parseBucketLimits('7')).toEqual([7]);
  });

  it.each([
    ['', /missing/],
    ['0,,30', /invalid bucket limit ""/],
    ['0,30.5', /invalid bucket limit "30.5"/],
    ['0,thirty', /invalid bucket limit "thirty"/],
    ['30,0', /0 follows 30/],
    ['0,30,30', /30 follows 30/],
    ['0,40000', /invalid bucket limit "40000"/],
    [Array.from({ length: 25 }, (_, index) => index).join(','), /too many bucket limits \(25\)/],
  ])('rejects "%s"', (text, message) => {
    expect(() => parseBucketLimits(text)).toThrow(message);
  });
});

describe('buildBuckets', () => {
  it('closes each bucket at its limit', () => {
    expect(buildBuckets([0, 30, 60], 'due', false)).toEqual([
      { label: 'Not due', from: null, to: 0 },
      { label: '1-30', from: 1, to: 30 },
      { label: '31-60', from: 31, to: 60 },
      { label: 'Over 60', from: 61, to: null },
      { label: 'Unapplied credits', from: null, to: null },
    ]);
  });

  it('drops the unapplied column when credits are aged', () => {
    expect(buildBuckets([0, 30], 'due', true).map((bucket) => bucket.label)).toEqual(['Not due', '1-30', 'Over 30']);
  });

  it('labels other first limits and negative ranges', () => {
    expect(buildBuckets([-10, 0, 1, 30], 'document', true).map((bucket) => bucket.label)).toEqual([
      'Up to -10',
      '-9 to 0',
      '1',
      '2-30',
      'Over 30',
    ]);
  });
});
