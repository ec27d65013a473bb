// Preloaded into benchmarked processes: records the peak resident set size at exit.
const { writeFileSync } = require('node:fs');
const target = process.env.BENCH_RSS_FILE;
if (target) process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS * 1024)));
