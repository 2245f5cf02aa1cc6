// One trace from the Langfuse JS/TypeScript SDK, set up as Langfuse documents it: an
// OpenTelemetry tracer provider with the LangfuseSpanProcessor, configured only by the
// environment (LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY). The processor posts
// OTLP/HTTP JSON to <base url>/api/public/otel/v1/traces with HTTP Basic public:secret.
//
// Prints one JSON line: the trace id and the id of each observation, for the test to look up
// through the platform's own API (tests/langfuse/test_js_sdk.py).

import { LangfuseSpanProcessor } from "@langfuse/otel";
import { propagateAttributes, startActiveObservation } from "@langfuse/tracing";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const processor = new LangfuseSpanProcessor();
const provider = new NodeTracerProvider({ spanProcessors: [processor] });
// Registers the async-hooks context manager too: nested observations find their parent.
provider.register();

const QUESTION = "Where is my parcel 4471?";

const ids = await startActiveObservation("support-request", async (root) => {
  root.update({ input: { question: QUESTION }, metadata: { channel: "chat" } });
  return propagateAttributes(
    { userId: "user-js-1", sessionId: "session-js-1", tags: ["js-sdk", "drop-in"] },
    async () => {
      const tool = await startActiveObservation(
        "lookup-order",
        async (observation) => {
          observation.update({
            input: { order: "4471" },
            output: { status: "shipped", eta: "tomorrow" },
          });
          return observation;
        },
        { asType: "tool" },
      );
      const generation = await startActiveObservation(
        "answer",
        async (observation) => {
          observation.update({
            model: "gpt-4o-mini",
            modelParameters: { temperature: 0.2, max_tokens: 64 },
            input: [
              { role: "system", content: "You answer parcel questions." },
              { role: "user", content: QUESTION },
            ],
            output: { role: "assistant", content: "Parcel 4471 has shipped; it arrives tomorrow." },
            usageDetails: { input: 42, output: 11 },
          });
          return observation;
        },
        { asType: "generation" },
      );
      root.update({ output: "Parcel 4471 has shipped; it arrives tomorrow." });
      return {
        trace_id: root.traceId,
        root: root.id,
        tool: tool.id,
        generation: generation.id,
      };
    },
  );
});

// The processor's own flush rejects when the export fails (the provider's would only log it),
// so a server that refuses the spans makes this script exit non-zero.
await processor.forceFlush();
await provider.shutdown();

process.stdout.write(`${JSON.stringify(ids)}\n`);
