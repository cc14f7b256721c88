import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreShare, parsePeakRss, parseStat, readProcSample } from './procstats.js';

test('stat fields are counted from the last parenthesis, whatever the command name holds', () => {
  // A real line of /proc/<pid>/stat, with a command name containing a space and a parenthesis.
  const line =
    '4242 (node (main) x) S 1 4242 4242 0 -1 4194560 30531 0 0 0 1234 567 0 0 20 0 11 0 4990 1183191040 25000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';
  assert.deepEqual(parseStat(line), { utimeTicks: 1234, stimeTicks: 567, rssPages: 25000 });
  assert.throws(() => parseStat('garbage'));
});

test('peak RSS is VmHWM in bytes', () => {
  assert.equal(parsePeakRss('Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  20480 kB\nVmRSS:\t 1000 kB\n'), 20480 * 1024);
  assert.equal(parsePeakRss('Name:\tkthreadd\n'), undefined);
});

test('this process can be read, and CPU share is CPU seconds over wall seconds', () => {
  const sample = readProcSample(process.pid);
  assert.ok(sample && sample.cpuSeconds > 0 && sample.rssBytes > 0 && (sample.peakRssBytes ?? 0) >= sample.rssBytes);
  const base = { userSeconds: 0, systemSeconds: 0, rssBytes: 0, peakRssBytes: undefined };
  assert.equal(coreShare({ ...base, at: 0, cpuSeconds: 1 }, { ...base, at: 4000, cpuSeconds: 3 }), 0.5);
  assert.equal(readProcSample(2 ** 22 + 17), undefined, 'a process that does not exist');
});
