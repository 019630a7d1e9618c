package org.legonet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.legonet.core.IdKey;
import org.legonet.core.LegoNetException;
import org.legonet.core.LegoNet;
import org.legonet.core.data.Dataset;
import org.legonet.core.VerifyReport;
import org.legonet.core.Progress;
import org.legonet.server.Audit;
import org.legonet.server.BearerToken;
import org.legonet.server.LegoNetServer;
import org.legonet.server.LoadRun;
import org.legonet.server.MaskCheck;
import org.legonet.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, name = "loadtest", sortOptions = false,
        header = "Load-test the service on a copy of a model: concurrent predictions plus forget requests at a steady rate.",
        description = {"Copy a model directory, start the service on it (loopback, a random token), and run a bounded "
                + "load: --clients threads predict without pause while --forgets single-sample forget requests "
                + "(random private samples) are sent at --forget-rate per second on a fixed schedule (request i at "
                + "i/rate seconds, whatever the earlier ones take). The run ends when every forget request is done. "
                + "Then the copy is audited and verified.",
                "",
                "Every predict answer is checked against the masks it must honour: an answer sent after a request's "
                + "202 arrived, from a model older than the commit that carried the request out, must name each "
                + "adapter masked for the request in its mask and take no vote from one.",
                "",
                "Prints predict throughput and latency (and answers refused with 503 masked), the 202 latency, "
                + "request-to-masked and request-to-committed times, fsyncs of the request log per request, commits "
                + "and adapters retrained, violations of the masks, errors, lost and doubled requests; exits 0 only "
                + "when there were no errors and no violations, nothing was lost or doubled, the audit passed and "
                + "the model verified EXACT. The original model is never touched.",
                "",
                "Example: 1,000 forgets at 100 per second while 8 clients (the default) predict:",
                "  legonet loadtest --model /tmp/fm/model --forgets 1000 --forget-rate 100",
                "",
                "(--forget-rate replaces --interval-ms: --interval-ms 25 was --forget-rate 40.)"})
final class LoadTestCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Option(names = "--clients", paramLabel = "N", description = "Concurrent predict clients (default: ${DEFAULT-VALUE}).")
    int clients = 8;

    @Option(names = "--forgets", paramLabel = "N", description = "Single-sample forget requests (default: ${DEFAULT-VALUE}).")
    int forgets = 200;

    @Option(names = "--forget-rate", paramLabel = "R",
            description = "Forget requests per second, sent on a fixed schedule (default: ${DEFAULT-VALUE}).")
    double forgetRate = 40;

    @Option(names = "--batch", paramLabel = "N", description = "Samples per predict request (default: ${DEFAULT-VALUE}).")
    int batch = 1;

    @Option(names = "--timeout-seconds", paramLabel = "S", description = "End the run by then in any case (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds = 600;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the choice of samples to forget (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Where to put the copy (default: beside the model, deleted after the run).")
    Path work;

    @Option(names = "--keep", description = "Keep the copy after the run.")
    boolean keep;

    @Option(names = "--no-verify", description = "Skip verifying the copy after the run.")
    boolean noVerify;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (clients < 1 || forgets < 0 || batch < 1 || timeoutSeconds < 1) {
            throw new LegoNetException("--clients, --batch and --timeout-seconds must be at least 1, --forgets at least 0");
        }
        if (!(forgetRate > 0) || Double.isInfinite(forgetRate)) {
            throw new LegoNetException("--forget-rate must be a positive number of requests per second, got " + forgetRate);
        }
        ServeCommand.quietLibraries();
        System.setProperty("org.slf4j.simpleLogger.log.legonet.server", "warn");
        PrintWriter err = spec.commandLine().getErr();
        Path source = dir.model.toAbsolutePath().normalize();
        IdKey key = idKey.find(source, System.getenv(), err);
        try (LegoNet check = LegoNet.open(source, new LegoNet.Options(common.threads, Progress.NONE, key))) {
            check.digest();
        }
        Path copy = work != null ? work : source.resolveSibling(source.getFileName() + ".loadtest-"
                + Long.toHexString(new SecureRandom().nextLong() & 0xffffffL));
        if (Files.exists(copy)) {
            throw new LegoNetException(copy + " already exists; give another --work directory");
        }
        progress(err, "copy " + source + " to " + copy);
        copyTree(source, copy);
        try {
            return run(copy, key, err);
        } finally {
            if (!keep) {
                deleteTree(copy);
            }
        }
    }

    private int run(Path copy, IdKey key, PrintWriter err) throws InterruptedException {
        long[] ids;
        float[] samples;
        int dim;
        try (LegoNet s = LegoNet.open(copy, new LegoNet.Options(common.threads, Progress.NONE))) {
            long[] held = s.retainedIds();
            if (forgets > held.length) {
                throw new LegoNetException("the model holds " + held.length + " private samples; cannot forget " + forgets);
            }
            List<Long> shuffled = new ArrayList<>(held.length);
            for (long id : held) {
                shuffled.add(id);
            }
            Collections.shuffle(shuffled, new Random(seed));
            ids = new long[forgets];
            for (int i = 0; i < forgets; i++) {
                ids[i] = shuffled.get(i);
            }
            Dataset raw = s.retainedSamples();
            dim = raw.dim();
            int n = Math.min(512, raw.size());
            samples = new float[n * dim];
            for (int i = 0; i < n; i++) {
                raw.copyRow((int) ((long) i * raw.size() / n), samples, i * dim);
            }
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        LegoNet.warmUp();
        LoadRun.Result r;
        String before;
        String after;
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(copy).optIdKey(key)
                .setToken(BearerToken.of(token)).optPort(0).optThreads(common.threads).build())) {
            before = server.modelDigest();
            progress(err, String.format(Locale.ROOT, "service on %s; %d predict clients (batch %d) + %d forget requests "
                    + "at %s/s", server.url(), clients, batch, forgets, plain(forgetRate)));
            r = LoadRun.run(server.url(), token, samples, dim, ids,
                    new LoadRun.Settings(clients, forgetRate, batch, Duration.ofSeconds(timeoutSeconds)),
                    line -> progress(err, line.strip()));
            after = server.modelDigest();
            progress(err, "stop the service");
        }
        Audit.Report audit;
        LoadRun.Duplicates doubled;
        VerifyReport verify = null;
        try (LegoNet s = LegoNet.open(copy, new LegoNet.Options(common.threads, Progress.NONE))) {
            audit = Audit.run(s);
            doubled = LoadRun.duplicates(s, r.requestIds());
            if (!noVerify) {
                progress(err, "verify the copy: rebuild every adapter from the retained samples");
                verify = s.verify();
            }
        }
        boolean ok = r.clean() && doubled.none() && audit.ok() && (verify == null || verify.exact());
        print(r, doubled, audit, verify, before, after, ok);
        return ok ? 0 : 1;
    }

    private void print(LoadRun.Result r, LoadRun.Duplicates doubled, Audit.Report audit, VerifyReport verify,
                       String before, String after, boolean ok) {
        PrintWriter out = spec.commandLine().getOut();
        MaskCheck.Result mask = r.mask();
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("result", ok ? "OK" : "FAILED");
            m.put("load", r);
            m.put("doubled", doubled);
            m.put("audit_ok", audit.ok());
            m.put("audit_problems", audit.problems());
            m.put("receipts", audit.receipts());
            m.put("verify", verify == null ? null : verify.exact() ? "EXACT" : "NOT EXACT");
            m.put("digest_before", before);
            m.put("digest_after", after);
            Out.json(out, m);
            return;
        }
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("predict", String.format(Locale.ROOT, "%,d requests (%,d samples) from %d clients in %.1f s: %,.0f requests/s",
                r.predictRequests(), r.predictSamples(), r.clients(), r.predictSeconds(), r.predictPerSecond()));
        rows.put("predict latency", String.format(Locale.ROOT, "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms",
                r.predictP50Ms(), r.predictP90Ms(), r.predictP99Ms(), r.predictMaxMs()));
        rows.put("predict masked", String.format(Locale.ROOT, "%,d answers 503 masked (no unmasked adapter left)%s",
                r.predictMasked(), r.predictMasked() == 0 ? "" : ", Retry-After up to " + plain(r.retryAfterMaxSeconds()) + " s"));
        rows.put("models served", r.modelsServed() + " model digests in the answers (the first model and one per commit)");
        rows.put("forget", String.format(Locale.ROOT, "%d sent at %s/s (achieved %.1f/s, latest send %.1f ms behind "
                + "schedule), %d acknowledged", r.forgetsSent(), plain(r.forgetRate()), r.achievedRate(),
                r.scheduleLagMaxMs(), r.forgetsAccepted()));
        rows.put("202 latency", String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms at the client; server from arrival %s",
                r.ackP50Ms(), r.ackP99Ms(), msPair(r.serverAckP50Ms(), r.serverAckP99Ms())));
        rows.put("request -> masked", r.maskedP50Ms() == null ? "not reported by the server"
                : String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, max %.2f ms (server, from arrival)",
                r.maskedP50Ms(), r.maskedP99Ms(), r.maskedMaxMs()));
        rows.put("request -> committed", String.format(Locale.ROOT,
                "p50 %.3f s, p99 %.3f s, max %.3f s; all %d done %.1f s after the first was sent",
                r.completionP50(), r.completionP99(), r.completionMax(), r.forgetsAccepted(), r.allDoneSeconds()));
        rows.put("request log", r.walFsyncs() == null || r.fsyncsPerRequest() == null
                ? "fsyncs not reported by the server (no legonet_wal_fsyncs_total in /metrics)"
                : String.format(Locale.ROOT, "%s records, %.0f fsyncs: %.3f fsyncs per acknowledged request",
                r.walRecords() == null ? "?" : plain(r.walRecords()), r.walFsyncs(), r.fsyncsPerRequest()));
        rows.put("retraining", String.format(Locale.ROOT, "%d commits retrained %d adapters (requests coalesced while the "
                + "worker was busy)", r.commits(), r.adaptersRetrained()));
        rows.put("masking", mask.unavailable() != null ? "NOT CHECKED: " + mask.unavailable()
                : String.format(Locale.ROOT, "%s: %,d violations in %,d answers (%,d of them under a request's mask)",
                mask.clean() ? "OK" : "VIOLATED", mask.violations(), mask.answers(), mask.answersUnderMask()));
        rows.put("errors", String.format(Locale.ROOT, "%d predict, %d forget; %d failed, %d lost, %d doubled (%d requests "
                        + "receipted twice, %d samples erased twice)", r.predictErrors(), r.forgetErrors(), r.failed(),
                r.lost(), doubled.receiptedTwice() + doubled.erasedTwice(), doubled.receiptedTwice(), doubled.erasedTwice()));
        rows.put("audit", (audit.ok() ? "OK" : "FAILED") + ", " + audit.receipts() + " receipts in the chain");
        rows.put("verify", verify == null ? "skipped" : (verify.exact() ? "EXACT" : "NOT EXACT")
                + String.format(Locale.ROOT, " (%d adapters rebuilt from %,d samples in %.1f s)", verify.adaptersRebuilt(),
                verify.samples(), verify.seconds()));
        rows.put("digest", Out.shortDigest(before) + " -> " + Out.shortDigest(after));
        Out.table(out, ok ? "Load run OK." : "Load run FAILED.", rows);
        for (String v : mask.firstViolations()) {
            out.println("  violation: " + v);
        }
        for (String e : r.errorSamples()) {
            out.println("  error: " + e);
        }
        for (String p : audit.problems()) {
            out.println("  audit problem: " + p);
        }
        out.flush();
    }

    private static String msPair(Double p50, Double p99) {
        return p50 == null ? "not reported" : String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms", p50, p99);
    }

    /** A number as one would type it: 100, 12.5. */
    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private void progress(PrintWriter err, String line) {
        if (!common.quiet && !common.json) {
            err.println(line);
            err.flush();
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else if (!p.getFileName().toString().equals(".lock")) {
                    Files.copy(p, q, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
