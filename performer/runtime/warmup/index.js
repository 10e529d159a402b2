// The zygote's warm-up function: it exercises what a typical handler does
// (logging, JSON, Date, randomness) so the zygote compiles that code once.
exports.handler = async function (input) {
  console.log('warm-up', input);
  return { input, at: new Date().toISOString(), r: Math.random(), id: require('crypto').randomUUID() };
};
