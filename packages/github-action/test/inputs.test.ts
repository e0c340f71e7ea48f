import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../src/shared/duration.js';
import { defuseCommands } from '../src/shared/github-io.js';
import { Inputs } from '../src/shared/inputs.js';
import { SecretMasker } from '../src/shared/masking.js';
import { SummaryBuilder } from '../src/shared/summary.js';

const inputs = (values: Record<string, string>) => new Inputs((name) => values[name] ?? '');
const A = '4c0468d4-18dc-471c-9201-2084cd81599b';
const B = '1024c7db-52de-49ff-8ad4-d7fd835cae16';

describe('Inputs', () => {
  it("reads sample ids from lists, JSON arrays and earlier steps' outputs", () => {
    expect(inputs({ ids: `${A}, ${B}\n${A}` }).sampleIds('ids')).toEqual([A, B]);
    expect(inputs({ ids: JSON.stringify([A, B.replace(/-/g, '')]) }).sampleIds('ids')).toEqual([
      A,
      B,
    ]);
    expect(
      inputs({ ids: JSON.stringify([{ client_id: 'X', fastq: {}, sample: A }]) }).sampleIds('ids'),
    ).toEqual([A]);
    expect(
      inputs({ ids: JSON.stringify([{ id: B, outcome: 'succeeded' }]) }).sampleIds('ids'),
    ).toEqual([B]);
    expect(inputs({}).sampleIds('ids')).toEqual([]);
  });

  it('names the input and the problem', () => {
    expect(() => inputs({ ids: 'nope' }).sampleIds('ids')).toThrow(
      'Input "ids": "nope" is not a sample ID (UUID).',
    );
    expect(() => inputs({ ids: '[1]' }).sampleIds('ids')).toThrow(
      'Input "ids": item 0 is neither an ID',
    );
    expect(() => inputs({ flag: 'yes' }).boolean('flag', false)).toThrow(
      'Input "flag": must be true or false; got "yes".',
    );
    expect(() => inputs({ n: '0' }).integer('n', { min: 1, max: 64 })).toThrow(
      'Input "n": must be a whole number from 1 to 64; got "0".',
    );
    expect(() => inputs({ t: 'soon' }).durationMs('t')).toThrow('Input "t": must be a duration');
    expect(() => inputs({ m: '{bad' }).json('m')).toThrow('Input "m": must be JSON');
    expect(() => inputs({ s: '9/8' }).shard('s')).toThrow('Input "s": must be INDEX/TOTAL');
    expect(() => inputs({ c: 'failed, maybe' }).choices('c', ['failed', 'timeout'], [])).toThrow(
      '"maybe" is not one of failed, timeout',
    );
    expect(() => inputs({}).required('r')).toThrow('Input "r": is required.');
  });

  it('reads booleans as YAML 1.2 does, lines without comments, JSON of any kind', () => {
    expect(inputs({ b: 'TRUE' }).boolean('b', false)).toBe(true);
    expect(inputs({ b: 'False' }).boolean('b', true)).toBe(false);
    expect(inputs({}).boolean('b', true)).toBe(true);
    expect(inputs({ p: ' a/**\n\n# note\n!a/x \n' }).lines('p')).toEqual(['a/**', '!a/x']);
    expect(inputs({ m: '[1,"x"]' }).json('m')).toEqual({ given: true, value: [1, 'x'] });
    expect(inputs({ pw: '  spaced  ' }).raw('pw')).toBe('  spaced  ');
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['45m', 2_700_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['600', 600_000],
    ['500ms', 500],
  ])('%s', (text, ms) => expect(parseDurationMs(text)).toBe(ms));
  it.each(['', '0', 'h', '1x', '1h 30m', '-5s'])('rejects %j', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );
});

describe('SecretMasker', () => {
  it('announces each variant once and scrubs them from text', () => {
    const announced: string[] = [];
    const masker = new SecretMasker((s) => announced.push(s));
    masker.add('top/secret+key');
    masker.add('top/secret+key');
    masker.add('ab');
    expect(announced).toEqual(['top/secret+key', encodeURIComponent('top/secret+key')]);
    expect(masker.text('key=top/secret+key and top%2Fsecret%2Bkey')).not.toMatch(/secret/);
  });

  it('masks only the signature parameters of a presigned URL', () => {
    const announced: string[] = [];
    const masker = new SecretMasker((s) => announced.push(s));
    masker.addUrlSignatures(
      'https://b.s3.amazonaws.com/k.fastq.gz?X-Amz-Date=20261124T000000Z&X-Amz-Signature=abcdef0123&X-Amz-Expires=60',
    );
    expect(announced).toEqual(['abcdef0123']);
  });
});

describe('log and summary safety', () => {
  it('defuses workflow commands hidden in file names or server text', () => {
    expect(defuseCommands('::add-path::/tmp/evil\n  ::set-env name=X::1\nok :: fine')).toBe(
      ':\u200b:add-path::/tmp/evil\n  :\u200b:set-env name=X::1\nok :: fine',
    );
  });

  it('escapes every value of the job summary', () => {
    const html = new SummaryBuilder()
      .heading('<b>x</b>')
      .table(['a|b'], [['<img src=x onerror=alert(1)>'], [{ code: 'a&b' }]])
      .toString();
    expect(html).toContain('<h3>&lt;b&gt;x&lt;/b&gt;</h3>');
    expect(html).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td>');
    expect(html).toContain('<th>a&#124;b</th>');
    expect(html).toContain('<td><code>a&amp;b</code></td>');
  });
});
