import { emit, table, type CliIO } from '../../../cli/output';

const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('CLI output', () => {
  const data = [{ message: 'fix\u202e gnp.exe\u001b[2J\u0085', ref: 'refs/heads/\u2066main\u2069' }];

  it('escapes control characters and bidi overrides in table cells', () => {
    const text = table(data, [
      { header: 'message', get: (r) => r.message },
      { header: 'ref', get: (r) => r.ref },
    ]);
    expect(UNSAFE.test(text)).toBe(false);
    expect(text).toContain('fix\\u{202e} gnp.exe\\u{001b}[2J\\u{0085}');
  });

  it('prints JSON with them escaped, and the same data when parsed back', () => {
    const out: string[] = [];
    const io: CliIO = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: () => undefined }, env: {} };
    emit(io, 'json', data, () => '');
    expect(UNSAFE.test(out.join(''))).toBe(false);
    expect(JSON.parse(out.join(''))).toEqual(data);
  });
});
