package org.legonet.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.LegoNetException;
import org.legonet.core.LegoNet;
import org.legonet.server.BearerToken;
import org.legonet.server.FaultInjector;
import org.legonet.server.LegoNetServer;
import org.legonet.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, name = "serve", sortOptions = false,
        header = "Run the unlearning service: REST predictions and durable, exact forget requests with receipts.",
        description = {
                "Serve a model over HTTP. Predictions run on an immutable snapshot of the model; forget requests are "
                        + "written to a log and forced to disk before they are acknowledged (202), then a background "
                        + "worker retrains the affected adapters, switches the model atomically and writes a receipt "
                        + "to a hash chain (check it with 'legonet audit'). After a crash or kill, the next start "
                        + "finishes every acknowledged request exactly once.",
                "",
                "The service holds the model directory's writer lock while it runs: 'legonet forget' on the same "
                        + "directory is refused; 'verify', 'eval', 'info' and 'audit' read it as usual.",
                "",
                "A forget takes effect at once: before its 202, the adapters holding its samples are masked, and "
                        + "every answer comes from unmasked adapters only until the retraining commits. Answers name "
                        + "the model digest, generation and mask; 'legonet predict --mask LIST --expect-digest HEX' "
                        + "recomputes one offline.",
                "",
                "Endpoints: POST /v1/predict, POST /v1/forget, POST /v1/samples, GET /v1/requests/{id} (also "
                        + "/v1/forget/{id}), GET /v1/model, GET /v1/health, GET /metrics, GET /openapi.json (the "
                        + "OpenAPI 3 document). Every request but health and /openapi.json (and predict with "
                        + "--open-predict) needs 'Authorization: Bearer TOKEN'.",
                ""},
        footerHeading = "%n",
        footer = {"Example:",
                "  export LEGONET_TOKEN=$(openssl rand -hex 24)",
                "  legonet serve --model m --port 8080 &",
                "  curl -s -H \"Authorization: Bearer $LEGONET_TOKEN\" -d '{\"ids\": [12345]}' localhost:8080/v1/forget",
                "SIGTERM or Ctrl-C stops it cleanly: the batch being retrained finishes, queued requests stay in the "
                        + "log for the next start."})
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = {"--port", "-p"}, paramLabel = "P", description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--host", paramLabel = "HOST",
            description = "Interface to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host = ServerConfig.DEFAULT_HOST;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File whose first line is the bearer token (default: the environment variable LEGONET_TOKEN).")
    Path tokenFile;

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Option(names = "--open-predict", description = "Let POST /v1/predict through without a token.")
    boolean openPredict;

    @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest request body (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes = ServerConfig.DEFAULT_MAX_BODY_BYTES;

    @Option(names = "--max-batch", paramLabel = "N", description = "Most samples in one predict request (default: ${DEFAULT-VALUE}).")
    int maxBatch = ServerConfig.DEFAULT_MAX_BATCH;

    @Option(names = "--threads", paramLabel = "T",
            description = "Threads retraining adapters (default: all ${sys:legonet.cores} cores). Never changes a result.")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--predict-concurrency", paramLabel = "N",
            description = "Predictions computed at once, the rest wait their turn, so that prediction traffic leaves "
                    + "the forget worker its share of the CPU (default: the number of cores, ${sys:legonet.cores}).")
    int predictConcurrency = Runtime.getRuntime().availableProcessors();

    @Option(names = "--mask-wait-seconds", paramLabel = "S",
            description = "A forget masks the adapters holding its samples at once; a prediction that the mask leaves "
                    + "no adapter waits up to S seconds for the retraining to commit, then gets 503 with Retry-After "
                    + "(0..60, default: ${DEFAULT-VALUE}).")
    int maskWaitSeconds = (int) ServerConfig.DEFAULT_MASK_WAIT.toSeconds();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static {
        System.setProperty("legonet.cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public Integer call() throws InterruptedException {
        BearerToken token = token(tokenFile, System.getenv());
        PrintWriter err = spec.commandLine().getErr();
        if (tokenFile != null && BearerToken.readableByOthers(tokenFile)) {
            err.println("warning: " + tokenFile + " can be read by other users; chmod 600 it");
            err.flush();
        }
        quietLibraries();
        ServerConfig config = ServerConfig.builder().setModel(dir.model).setToken(token).optHost(host).optPort(port)
                .optOpenPredict(openPredict).optMaxBodyBytes(maxBodyBytes).optMaxBatch(maxBatch).optThreads(threads)
                .optPredictConcurrency(predictConcurrency)
                .optMaskWait(java.time.Duration.ofSeconds(maskWaitSeconds))
                .optIdKey(idKey.find(dir.model, System.getenv(), err))
                .optFaults(FaultInjector.fromSystemProperty(System.out)).build();
        LegoNet.warmUp();
        LegoNetServer server = LegoNetServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "legonet-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "legonet serve: listening on %s (model %s, digest %s)%n", server.url(), dir.model,
                server.modelDigest().substring(0, 16));
        out.flush();
        server.awaitClosed();
        return 0;
    }

    /** The token from {@code file}, else from {@code env}'s LEGONET_TOKEN; one of them must be there. */
    static BearerToken token(Path file, Map<String, String> env) {
        if (file != null) {
            return BearerToken.fromFile(file);
        }
        String t = env.get(BearerToken.ENV);
        if (t == null || t.isBlank()) {
            throw new LegoNetException("no bearer token: pass --token-file FILE or set " + BearerToken.ENV
                    + " (forget requests must be authenticated)");
        }
        return BearerToken.of(t);
    }

    /** Timestamps on the service's log lines; Jetty and Javalin only when something is wrong. */
    static void quietLibraries() {
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        setIfAbsent("org.slf4j.simpleLogger.log.io.javalin", "warn");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
