/**
 * The floor: a handler that does nothing, bundled like the others. Its cold start and memory are
 * what the Lambda-like process itself costs (Node.js booting and the runtime loop), which no
 * handler can go below. bench/run.ts reports it beside the subjects. Never shipped.
 */
export const handler = async () => ({ results: [] });
