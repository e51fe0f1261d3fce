// Loaded with `node --import` into a benchmarked child: reports its peak RSS (all threads) when it exits.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAX_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
