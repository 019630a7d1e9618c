package org.legonet.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The service's meters, exposed at {@code GET /metrics} in the Prometheus text format: requests
 * and latencies per endpoint, forget and add requests, the request queue, samples forgotten and
 * added, adapters retrained, and the time spent retraining and committing.
 */
final class ServerMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    final Counter forgetAccepted;
    final Counter forgetDone;
    final Counter forgetFailed;
    final Counter addAccepted;
    final Counter addDone;
    final Counter addFailed;
    final Counter samplesForgotten;
    final Counter samplesAdded;
    final Counter adaptersRetrained;
    final Counter predictions;
    final Counter commits;
    final Counter predictionsMasked;
    final Timer retrain;
    final Timer commit;
    final DistributionSummary batchRequests;
    final Timer requestToMasked;
    private final java.util.List<Supplier<Number>> counted = new java.util.ArrayList<>();
    final Timer requestToAcknowledged;
    final Timer requestToCommitted;

    ServerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
        forgetAccepted = forgetRequests("accepted");
        forgetDone = forgetRequests("done");
        forgetFailed = forgetRequests("failed");
        addAccepted = addRequests("accepted");
        addDone = addRequests("done");
        addFailed = addRequests("failed");
        samplesForgotten = Counter.builder("legonet.samples.forgotten")
                .description("Private samples erased by committed forgets").register(registry);
        samplesAdded = Counter.builder("legonet.samples.added")
                .description("Private samples added by committed add requests").register(registry);
        adaptersRetrained = Counter.builder("legonet.adapters.retrained")
                .description("Adapters retrained from scratch by forgets and adds").register(registry);
        predictions = Counter.builder("legonet.predictions")
                .description("Samples predicted").register(registry);
        predictionsMasked = Counter.builder("legonet.predict.masked")
                .description("Predict requests answered 503 because the mask left a sample no adapter")
                .register(registry);
        commits = Counter.builder("legonet.commits")
                .description("Atomic model switches (one per batch of coalesced requests)").register(registry);
        retrain = Timer.builder("legonet.retrain")
                .description("Time retraining the affected adapters of one batch").register(registry);
        commit = Timer.builder("legonet.commit")
                .description("Time writing and switching the store for one batch").register(registry);
        requestToMasked = latency("legonet.request.to.masked",
                "From a forget request's arrival to its adapters being masked in the served model");
        requestToAcknowledged = latency("legonet.request.to.acknowledged",
                "From a request's arrival to its 202 (its log line on disk)");
        requestToCommitted = latency("legonet.request.to.committed",
                "From a request's arrival to the commit that carried it out");
        batchRequests = DistributionSummary.builder("legonet.forget.batch.requests")
                .description("Requests (forgets and adds) coalesced into one retraining").register(registry);
    }

    private Counter forgetRequests(String result) {
        return Counter.builder("legonet.forget.requests").tag("result", result)
                .description("Forget requests by outcome").register(registry);
    }

    private Counter addRequests(String result) {
        return Counter.builder("legonet.add.requests").tag("result", result)
                .description("Add requests (POST /v1/samples) by outcome").register(registry);
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(600))
                .register(registry);
    }

    /** Registers the gauges and counters read from the service and its request log. */
    void gauges(Supplier<Number> queueDepth, Supplier<Number> generation, Supplier<Number> masked,
                Supplier<Number> walRecords, Supplier<Number> walFsyncs) {
        Gauge.builder("legonet.adapters.masked", masked)
                .description("Adapters masked now: they hold a sample of a forget accepted and not yet committed")
                .register(registry);
        // a function counter holds its object weakly: keep the suppliers here
        counted.add(walRecords);
        counted.add(walFsyncs);
        FunctionCounter.builder("legonet.wal.records", walRecords, n -> n.get().doubleValue())
                .description("Request lines written to the request log").register(registry);
        FunctionCounter.builder("legonet.wal.fsyncs", walFsyncs, n -> n.get().doubleValue())
                .description("fsyncs of the request log (group commit: one covers every line written before it)")
                .register(registry);
        Gauge.builder("legonet.forget.queue.depth", queueDepth)
                .description("Requests (forgets and adds) accepted and not yet done (queued or running)").register(registry);
        Gauge.builder("legonet.model.generation", generation)
                .description("Generation of the served model (one more per commit)").register(registry);
    }

    /** Records one HTTP request. {@code endpoint} is the route template, never the raw path. */
    void request(String method, String endpoint, int status, long nanos) {
        Timer.builder("legonet.http.requests")
                .description("HTTP requests by endpoint and status")
                .tags("method", method, "endpoint", endpoint, "status", Integer.toString(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
