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
import org.legonet.core.LegoNetException;
import org.legonet.core.LegoNet;
import org.legonet.core.data.Dataset;
import org.legonet.core.VerifyReport;
import org.legonet.core.Progress;
import org.legonet.server.Audit;
import org.legonet.server.BearerToken;
import org.legonet.server.LegoNetServer;
import org.legonet.server.LoadRun;
import org.legonet.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, name = "loadtest", sortOptions = false,
        header = "Load-test the service on a copy of a model: concurrent predictions plus a stream of forget requests.",
        description = "Copy a model directory, start the service on it (loopback, a random token), and run a bounded "
                + "load: --clients threads predict without pause while a stream of --forgets single-sample forget "
                + "requests (random private samples) arrives every --interval-ms. The run ends when every forget "
                + "request is done. Then the copy is audited and verified. Prints predict throughput and latency, "
                + "forget acknowledgement and completion times, errors and lost requests; exits 0 only when there "
                + "were no errors, nothing was lost, the audit passed and the model verified EXACT. The original "
                + "model is never touched.")
final class LoadTestCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = "--clients", paramLabel = "N", description = "Concurrent predict clients (default: ${DEFAULT-VALUE}).")
    int clients = 8;

    @Option(names = "--forgets", paramLabel = "N", description = "Single-sample forget requests (default: ${DEFAULT-VALUE}).")
    int forgets = 200;

    @Option(names = "--interval-ms", paramLabel = "MS", description = "Pause between two forget requests (default: ${DEFAULT-VALUE}).")
    int intervalMs = 25;

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
        if (clients < 1 || forgets < 0 || intervalMs < 0 || batch < 1 || timeoutSeconds < 1) {
            throw new LegoNetException("--clients and --batch must be at least 1, --forgets and --interval-ms at least 0");
        }
        ServeCommand.quietLibraries();
        System.setProperty("org.slf4j.simpleLogger.log.legonet.server", "warn");
        PrintWriter err = spec.commandLine().getErr();
        Path source = dir.model.toAbsolutePath().normalize();
        try (LegoNet check = LegoNet.open(source)) {
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
            return run(copy, err);
        } finally {
            if (!keep) {
                deleteTree(copy);
            }
        }
    }

    private int run(Path copy, PrintWriter err) throws InterruptedException {
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
        try (LegoNetServer server = LegoNetServer.start(ServerConfig.builder().setModel(copy)
                .setToken(BearerToken.of(token)).optPort(0).optThreads(common.threads).build())) {
            before = server.modelDigest();
            progress(err, String.format(Locale.ROOT, "service on %s; %d predict clients (batch %d) + %d forget requests "
                    + "every %d ms", server.url(), clients, batch, forgets, intervalMs));
            r = LoadRun.run(server.url(), token, samples, dim, ids,
                    new LoadRun.Settings(clients, Duration.ofMillis(intervalMs), batch, Duration.ofSeconds(timeoutSeconds)),
                    line -> progress(err, line.strip()));
            after = server.modelDigest();
            progress(err, "stop the service");
        }
        Audit.Report audit;
        VerifyReport verify = null;
        try (LegoNet s = LegoNet.open(copy, new LegoNet.Options(common.threads, Progress.NONE))) {
            audit = Audit.run(s);
            if (!noVerify) {
                progress(err, "verify the copy: rebuild every adapter from the retained samples");
                verify = s.verify();
            }
        }
        boolean ok = r.clean() && audit.ok() && (verify == null || verify.exact());
        print(r, audit, verify, before, after, ok);
        return ok ? 0 : 1;
    }

    private void print(LoadRun.Result r, Audit.Report audit, VerifyReport verify, String before, String after, boolean ok) {
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("result", ok ? "OK" : "FAILED");
            m.put("load", r);
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
        rows.put("models served", r.modelsServed() + " model digests in the answers (the first model and one per commit)");
        rows.put("forget", String.format(Locale.ROOT, "%d sent, %d acknowledged (202 after fsync: p50 %.2f ms, p99 %.2f ms)",
                r.forgetsSent(), r.forgetsAccepted(), r.ackP50Ms(), r.ackP99Ms()));
        rows.put("forget completion", String.format(Locale.ROOT,
                "accepted -> committed p50 %.3f s, p99 %.3f s, max %.3f s; all %d done %.1f s after the first was sent",
                r.completionP50(), r.completionP99(), r.completionMax(), r.forgetsAccepted(), r.allDoneSeconds()));
        rows.put("retraining", r.commits() + " commits (requests coalesced while the worker was busy)");
        rows.put("errors", String.format(Locale.ROOT, "%d predict, %d forget; %d failed, %d lost", r.predictErrors(),
                r.forgetErrors(), r.failed(), r.lost()));
        rows.put("audit", (audit.ok() ? "OK" : "FAILED") + ", " + audit.receipts() + " receipts in the chain");
        rows.put("verify", verify == null ? "skipped" : (verify.exact() ? "EXACT" : "NOT EXACT")
                + String.format(Locale.ROOT, " (%d adapters rebuilt from %,d samples in %.1f s)", verify.adaptersRebuilt(),
                verify.samples(), verify.seconds()));
        rows.put("digest", Out.shortDigest(before) + " -> " + Out.shortDigest(after));
        Out.table(out, ok ? "Load run OK." : "Load run FAILED.", rows);
        for (String e : r.errorSamples()) {
            out.println("  error: " + e);
        }
        for (String p : audit.problems()) {
            out.println("  audit problem: " + p);
        }
        out.flush();
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
