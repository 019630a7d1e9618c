package org.legonet.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.Evaluation;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;
import org.legonet.dl.baseline.Ensemble;
import org.legonet.dl.baseline.FixSisa;
import org.legonet.dl.baseline.Probabilities;
import org.legonet.dl.baseline.Retrain;
import org.legonet.dl.baseline.Sisa;
import org.legonet.dl.cnn.CnnEncoder;
import org.legonet.dl.cnn.CnnNetwork;
import org.legonet.dl.cnn.CnnSpec;
import org.legonet.dl.cnn.CnnWeights;

/**
 * {@code legonet bench --suite paper}: the LegoNet paper's experiments on Fashion-MNIST with a CNN
 * encoder, every method side by side in one run (docs/benchmark-protocol.md): the fixed CNN encoder (public split
 * only), LegoNet over an (n, k) grid, the single-adapter baselines, FixSISA, SISA and Retrain on the
 * end-to-end CNN, the segmentation table, Random100 and UnClass, and {@code verify} after every
 * LegoNet forget.
 */
public final class PaperSuite {
    /**
     * @param encoderSpec      the fixed encoder (a {@code cnn} specification)
     * @param endToEndSpec     the end-to-end CNN of Retrain and SISA (same architecture as the encoder)
     * @param base             LegoNet's configuration apart from n and k (adapter, routing, epochs ...)
     * @param grid             LegoNet settings measured with every task
     * @param segments         s of the segmentation table (SISA and FixSISA with s shards, LegoNet n = s k)
     * @param sisaShards       SISA's shard counts in the head-to-head table
     * @param slices           SISA's slices per shard
     * @param singles          one-sample forgets per LegoNet setting of the grid
     * @param segmentSingles   one-sample forgets per LegoNet setting of the segmentation table
     * @param sisaRemovals     one-sample removals per SISA setting (each retrains a shard)
     * @param retrainRemovals  one-sample removals by Retrain (each retrains the end-to-end CNN)
     * @param evalRetained     retained private samples on which the end-to-end baselines are evaluated
     */
    public record Options(boolean quick, int threads, long seed, String encoderSpec, String endToEndSpec,
                          ModelConfig base, List<Benchmark.Setting> grid, List<Integer> segments,
                          List<Integer> sisaShards, int slices, int singles, int segmentSingles, int sisaRemovals,
                          int retrainRemovals, int evalRetained, Path workDir) {
        /** The full suite. */
        public static Options full(int threads, long seed, ModelConfig base, Path workDir) {
            List<Benchmark.Setting> grid = new ArrayList<>();
            for (String s : new String[] {"10x1", "20x2", "50x5", "100x3", "100x1", "100x2", "100x5", "100x10",
                    "1000x10"}) {
                grid.add(Benchmark.Setting.parse(s + ":" + base.adapter()));
            }
            for (String s : new String[] {"20x2", "100x3", "100x10", "1000x10"}) {
                grid.add(Benchmark.Setting.parse(s + ":linear"));
            }
            return new Options(false, threads, seed, DEFAULT_ENCODER, DEFAULT_END_TO_END,
                    base.withEncoder(DEFAULT_ENCODER), grid, List.of(10, 20, 50, 100), List.of(5, 10), 5, 20, 5, 3, 1,
                    2000, workDir);
        }

        /** A few minutes: small slices of the data, short training, two segments. */
        public static Options quick(int threads, long seed, ModelConfig base, Path workDir) {
            String enc = "cnn:channels=8-16-32:dim=64:epochs=2";
            String e2e = "cnn:channels=8-16-32:dim=64:epochs=2:augment=off";
            List<Benchmark.Setting> grid = List.of(Benchmark.Setting.parse("10x1:" + base.adapter()),
                    Benchmark.Setting.parse("20x2:" + base.adapter()), Benchmark.Setting.parse("20x2:linear"));
            return new Options(true, threads, seed, enc, e2e, base.withEncoder(enc), grid,
                    List.of(5, 10), List.of(5), 2, 5, 3, 2, 1, 500, workDir);
        }
    }

    /** The fixed encoder of the full suite (the cnn defaults, spelled out): trained on the public split only. */
    public static final String DEFAULT_ENCODER = "cnn:channels=16-32-64:dim=256:epochs=30";
    /** The end-to-end CNN of Retrain and SISA: the same network, trained on public and private data. */
    public static final String DEFAULT_END_TO_END = "cnn:channels=16-32-64:dim=256:epochs=10:augment=off";

    private final Options o;
    private final Progress progress;
    private final PrintWriter log;
    private final Benchmark bench;

    public PaperSuite(Options options, Progress progress, PrintWriter log) {
        this.o = options;
        this.progress = progress;
        this.log = log;
        this.bench = new Benchmark(new Benchmark.Options(options.quick(), Math.max(1, options.singles()), options.seed(),
                options.threads(), options.grid(), List.of(), options.base(), options.workDir()), progress, log);
    }

    /** Runs the suite; in quick mode on small slices of the given splits. */
    public PaperResults.Run run(Dataset pub, Dataset priv, Dataset test, String description) throws IOException {
        if (!CnnSpec.matches(o.encoderSpec()) || !CnnSpec.matches(o.endToEndSpec())) {
            throw new LegoNetException("the paper suite needs cnn encoders");
        }
        if (test == null || test.size() == 0) {
            throw new LegoNetException("the paper suite needs a test set");
        }
        if (pub.sampleShape().length < 2) {
            throw new LegoNetException("the paper suite needs image data (samples of shape [H, W]); " + pub.name()
                    + " has flat samples");
        }
        if (o.quick()) {
            pub = pub.slice(0, Math.min(pub.size(), 2000), pub.name() + " (quick: first 2,000)");
            priv = priv.slice(0, Math.min(priv.size(), 6000), priv.name() + " (quick: first 6,000)");
            test = test.slice(0, Math.min(test.size(), 2000), test.name() + " (quick: first 2,000)");
            description = description + " (quick: first rows only)";
        }
        long t0 = System.nanoTime();
        String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        int threads = o.threads();
        BenchResults.Machine machine = bench.measureMachine(threads);
        double peak = machine.peakGflops();
        ModelConfig base = o.base();
        int classes = LegoNetTrainer.classesOf(base, pub);

        say("fixed encoder: training " + o.encoderSpec() + " on the " + pub.size() + " public samples, then encoding ...");
        LegoNetTrainer.Encoded encoded = new LegoNetTrainer(base, threads, progress).encode(pub, priv);
        long te0 = System.nanoTime();
        float[] testEnc = Encoders.encodeAll(encoded.encoder(), test, threads, progress);
        double encodeSecs = encoded.encodeSeconds() + (System.nanoTime() - te0) / 1e9;
        CnnEncoder cnn = (CnnEncoder) encoded.encoder();
        int[] testRows = Probabilities.allRows(test);
        int[] testLabels = test.labels();
        double ownAcc = Probabilities.accuracy(Probabilities.of(cnn.weights(), test, testRows, threads), classes,
                testLabels);
        long encParams = cnn.weights().parameterCount();
        PaperResults.Encoder encoder = new PaperResults.Encoder(o.encoderSpec(), cnn.recipe(), cnn.outputDim(),
                encParams, Benchmark.r3(encoded.fitSeconds()), Benchmark.r3(encodeSecs), Benchmark.r4(ownAcc));
        say(String.format(Locale.ROOT, "  trained in %.1f s, encoded %,d samples in %.1f s; the CNN's own head: test accuracy %.4f",
                encoded.fitSeconds(), pub.size() + priv.size() + test.size(), encodeSecs, ownAcc));

        List<PaperResults.Method> methods = new ArrayList<>();

        // single adapter on all private data
        for (String arch : new LinkedHashSet<>(List.of(base.adapter().toString(), "linear"))) {
            ModelConfig c = base.withShape(1, 1).withAdapter(AdapterSpec.parse(arch));
            say("single adapter: one " + arch + " adapter on all " + priv.size() + " private encodings ...");
            Trained t = new LegoNetTrainer(c, threads, progress).train(encoded);
            double acc = Evaluation.ofEncoded(t.model(), testEnc, testLabels, test.size()).accuracy();
            double secs = t.stats().adapterSeconds();
            say(String.format(Locale.ROOT, "  test accuracy %.4f; a removal retrains it whole: %.2f s", acc, secs));
            methods.add(new PaperResults.Method("Single adapter", arch, "fixed encoder", Benchmark.r4(acc), null,
                    Benchmark.r3(secs), 1, Benchmark.r4(secs), Benchmark.r4(secs), 1, priv.size(),
                    t.model().adapter(0).parameterCount(), null, null, null, null, null, "-"));
        }

        // LegoNet grid, every task
        List<BenchResults.SettingResult> legonet = new ArrayList<>();
        for (Benchmark.Setting s : o.grid()) {
            ModelConfig c = base.withShape(s.n(), s.k()).withAdapter(AdapterSpec.parse(s.adapter()));
            BenchResults.SettingResult r = bench.runSetting(s, c, encoded, test, testEnc, classes, peak,
                    new Benchmark.Tasks(o.singles(), 0, true, true, false, true, true, false));
            legonet.add(r);
            methods.add(legonetRow(r, "LegoNet"));
        }

        // LegoNet rows of the segmentation table: k = 1 (n = s) and k = 10 (n = 10 s)
        Map<String, BenchResults.SettingResult> bySetting = new LinkedHashMap<>();
        for (BenchResults.SettingResult r : legonet) {
            bySetting.put(r.setting(), r);
        }
        int kMax = o.quick() ? 2 : 10;
        for (int s : o.segments()) {
            for (int k : new int[] {1, kMax}) {
                Benchmark.Setting st = new Benchmark.Setting(s * k, k, base.adapter().toString());
                if (bySetting.containsKey(st.toString())) {
                    continue;
                }
                ModelConfig c = base.withShape(st.n(), st.k());
                BenchResults.SettingResult r = bench.runSetting(st, c, encoded, test, testEnc, classes, peak,
                        new Benchmark.Tasks(o.segmentSingles(), 0, false, false, false, true, true, false));
                legonet.add(r);
                bySetting.put(r.setting(), r);
            }
        }

        // FixSISA: s shards of the private encodings, one adapter each, no routing
        Map<Integer, PaperResults.Method> fix = new LinkedHashMap<>();
        int dim = cnn.outputDim();
        float[] privEnc = encoded.privateEncodings();
        long[] privIds = priv.ids();
        int[] privLabels = priv.labels();
        for (int s : o.segments()) {
            say("FixSISA s=" + s + ": one " + base.adapter() + " adapter per shard on the fixed encoder ...");
            FixSisa f = new FixSisa(LegoNetTrainer.adapterTrainer(base), privEnc, dim, privLabels, privIds, classes, s,
                    Rng.derive(o.seed(), 0xF1, s));
            double train = f.train();
            double acc = f.accuracy(testEnc, testLabels);
            Rng rng = new Rng(Rng.derive(o.seed(), 0xF2, s));
            Set<Long> gone = new HashSet<>();
            int runs = o.singles();
            double[] secs = new double[runs];
            double samples = 0;
            for (int i = 0; i < runs; i++) {
                long id = randomId(privIds, gone, rng);
                FixSisa.Removal rem = f.forget(new long[] {id});
                secs[i] = rem.seconds();
                samples += rem.samplesRetrained();
            }
            double after = f.accuracy(testEnc, testLabels);
            double forgotAcc = f.accuracyOnIds(gone.stream().mapToLong(Long::longValue).toArray());
            say(String.format(Locale.ROOT, "  test accuracy %.4f (after %d removals %.4f); trained in %.2f s; removal p50 %.4f s",
                    acc, runs, after, train, Benchmark.percentile(secs, 50)));
            PaperResults.Method m = new PaperResults.Method("FixSISA", "s=" + s, "fixed encoder", Benchmark.r4(acc), null,
                    Benchmark.r3(train), runs, Benchmark.r4(Benchmark.percentile(secs, 50)),
                    Benchmark.r4(Benchmark.percentile(secs, 95)), 1, Benchmark.r1(samples / runs), f.parametersPerShard(),
                    Benchmark.r4(after), null, Benchmark.r4(forgotAcc), null, null, "-");
            fix.put(s, m);
            methods.add(m);
        }

        // the end-to-end baselines train on public and private data together
        Dataset all = concat(pub, priv);
        float[] stats = CnnNetwork.inputStats(pub);
        CnnSpec e2e = CnnSpec.parse(o.endToEndSpec());
        Rng pick = new Rng(Rng.derive(o.seed(), 0xE2E));
        int[] retainedEval = sampleRows(all, pub.size(), o.evalRetained(), pick);

        // Retrain
        say("Retrain: the end-to-end CNN (" + e2e + ") on all " + all.size() + " samples ...");
        Retrain retrain = new Retrain(e2e, all, classes, stats, Rng.derive(o.seed(), 0xA11));
        double retrainTrain = retrain.train(progress);
        double retrainAcc = Probabilities.accuracy(Probabilities.of(retrain.weights(), test, testRows, threads), classes,
                testLabels);
        say(String.format(Locale.ROOT, "  test accuracy %.4f; trained in %.1f s", retrainAcc, retrainTrain));
        Set<Long> retrainGone = new HashSet<>();
        double[] rsecs = new double[o.retrainRemovals()];
        for (int i = 0; i < rsecs.length; i++) {
            long id = randomId(privIds, retrainGone, pick);
            say("  Retrain: forgetting id " + id + " = training again from scratch on " + (retrain.samples() - 1)
                    + " samples ...");
            rsecs[i] = retrain.forget(new long[] {id}, progress);
        }
        double retrainAfter = Probabilities.accuracy(Probabilities.of(retrain.weights(), test, testRows, threads), classes,
                testLabels);
        Double retrainRetained = accuracyOn(retrain.weights(), all, without(retainedEval, all, retrainGone), classes, threads);
        Double retrainForgot = accuracyOn(retrain.weights(), all, rowsOf(all, retrainGone), classes, threads);
        say(String.format(Locale.ROOT, "  removal p50 %.1f s; test accuracy after %.4f", Benchmark.percentile(rsecs, 50),
                retrainAfter));
        methods.add(new PaperResults.Method("Retrain", "end-to-end CNN", "end-to-end", Benchmark.r4(retrainAcc), null,
                Benchmark.r3(retrainTrain), rsecs.length, Benchmark.r3(Benchmark.percentile(rsecs, 50)),
                Benchmark.r3(Benchmark.percentile(rsecs, 95)), 1, (double) retrain.samples(),
                retrain.parameters(), Benchmark.r4(retrainAfter), retrainRetained, retrainForgot, null, null, "-"));

        // SISA
        Map<Integer, PaperResults.Method> sisa = new LinkedHashMap<>();
        TreeSet<Integer> shardCounts = new TreeSet<>(o.sisaShards());
        shardCounts.addAll(o.segments());
        for (int s : shardCounts) {
            say("SISA s=" + s + ", r=" + o.slices() + ": " + s + " end-to-end CNNs on shards of " + all.size() / s
                    + " samples ...");
            Sisa model = new Sisa(e2e, all, classes, stats, s, o.slices(), Rng.derive(o.seed(), 0x515A, s));
            double train = model.train(progress);
            Ensemble ens = new Ensemble(s, classes, testLabels);
            for (int i = 0; i < s; i++) {
                ens.set(i, Probabilities.of(model.model(i), test, testRows, threads));
            }
            double accMean = ens.accuracy(Ensemble.Aggregation.MEAN);
            double accVote = ens.accuracy(Ensemble.Aggregation.VOTE);
            say(String.format(Locale.ROOT, "  trained in %.1f s; test accuracy %.4f (mean of probabilities), %.4f (vote)",
                    train, accMean, accVote));
            Rng rng = new Rng(Rng.derive(o.seed(), 0x5150, s));
            Set<Long> gone = new HashSet<>();
            double[] secs = new double[o.sisaRemovals()];
            double passes = 0;
            double samples = 0;
            for (int i = 0; i < secs.length; i++) {
                long id = randomId(privIds, gone, rng);
                Sisa.Removal rem = model.forget(new long[] {id}, progress);
                secs[i] = rem.seconds();
                passes += rem.samplePasses();
                samples += rem.samples();
                for (int sh : rem.shards()) {
                    ens.set(sh, Probabilities.of(model.model(sh), test, testRows, threads));
                }
                say(String.format(Locale.ROOT, "  removal %d/%d: id %d, shard %d retrained from its checkpoint in %.2f s",
                        i + 1, secs.length, id, rem.shards()[0] + 1, rem.seconds()));
            }
            PaperResults.Task random100 = null;
            if (!o.quick() && s == 10) {
                long[] hundred = new long[100];
                for (int i = 0; i < hundred.length; i++) {
                    hundred[i] = randomId(privIds, gone, rng);
                }
                say("  Random100: forgetting 100 random private samples in one request ...");
                Sisa.Removal rem = model.forget(hundred, progress);
                for (int sh : rem.shards()) {
                    ens.set(sh, Probabilities.of(model.model(sh), test, testRows, threads));
                }
                Double forgot = ensembleAccuracy(model, s, all, rowsOf(all, Arrays.stream(hundred).boxed().collect(java.util.stream.Collectors.toSet())), classes, threads);
                random100 = new PaperResults.Task("Random100", 100, Benchmark.r3(rem.seconds()), rem.shardsRetrained(),
                        Benchmark.r4(ens.accuracy(Ensemble.Aggregation.MEAN)), forgot,
                        "the affected shards retrained from the checkpoint before the earliest affected slice");
                say(String.format(Locale.ROOT, "  Random100: %d shards retrained in %.1f s", rem.shardsRetrained(),
                        rem.seconds()));
            }
            double after = ens.accuracy(Ensemble.Aggregation.MEAN);
            Double retained = ensembleAccuracy(model, s, all, without(retainedEval, all, gone), classes, threads);
            Double forgot = ensembleAccuracy(model, s, all, rowsOf(all, gone), classes, threads);
            PaperResults.Task unclass = new PaperResults.Task("UnClass", -1, Benchmark.r3(train), s, null, null,
                    "not run: a class has samples in every slice of every shard, so SISA retrains every shard from its "
                            + "first slice, the same work as Train (seconds shown are Train's)");
            PaperResults.Method m = new PaperResults.Method("SISA", "s=" + s + " r=" + o.slices(), "end-to-end",
                    Benchmark.r4(accMean), Benchmark.r4(accVote), Benchmark.r3(train), secs.length,
                    Benchmark.r3(Benchmark.percentile(secs, 50)), Benchmark.r3(Benchmark.percentile(secs, 95)), 1,
                    Benchmark.r1(samples / secs.length), model.parametersPerShard(), Benchmark.r4(after), retained, forgot,
                    random100, unclass, "-");
            sisa.put(s, m);
            if (o.sisaShards().contains(s) || o.segments().contains(s)) {
                methods.add(m);
            }
        }

        // segmentation table
        List<PaperResults.Segment> segmentation = new ArrayList<>();
        for (int s : o.segments()) {
            BenchResults.SettingResult k1 = bySetting.get(new Benchmark.Setting(s, 1, base.adapter().toString()).toString());
            BenchResults.SettingResult kx = bySetting.get(new Benchmark.Setting(s * kMax, kMax, base.adapter().toString())
                    .toString());
            segmentation.add(new PaperResults.Segment(s, sisa.get(s).testAccuracy(), fix.get(s).testAccuracy(),
                    k1 == null ? null : k1.before().test(), kx == null ? null : kx.before().test(),
                    sisa.get(s).removalP50Seconds(), fix.get(s).removalP50Seconds(),
                    k1 == null ? null : k1.single().p50Seconds(), kx == null ? null : kx.single().p50Seconds()));
        }

        List<PaperResults.Check> checks = checks(methods, legonet, segmentation, o.quick());
        Map<String, Object> notes = new LinkedHashMap<>();
        notes.put("removal_seconds", "LegoNet and FixSISA: one forget request in process (LegoNet: retrain the affected "
                + "adapters from scratch and commit the model store atomically); SISA: retrain the affected shard from "
                + "its checkpoint; Retrain: train the end-to-end CNN from scratch on the retained data");
        notes.put("end_to_end_data", "Retrain and SISA train on the public and private splits together ("
                + all.size() + " samples); LegoNet, FixSISA and the single adapter train their adapters on the private "
                + "split only, on top of the encoder trained on the public split");
        notes.put("retained_accuracy", "for Retrain and SISA on " + retainedEval.length
                + " random retained private samples (inference of every shard over all of them would dominate the run); "
                + "for LegoNet on every retained sample");
        notes.put("verify", "every LegoNet forget is checked: after each one-sample forget the adapters it retrained are "
                + "trained again from scratch on the stored encodings of their retained samples and compared bit for bit; "
                + "Random100 is followed by verify of the adapters ever retrained, UnClass and the end of every setting by "
                + "a full verify, which re-encodes every retained raw sample with the CNN, re-routes it, compares "
                + "encodings and routes with the stored ones and retrains every adapter");
        notes.put("samples_retrained", "samples the retrained units train on again: LegoNet the retrained adapters' "
                + "samples, FixSISA the shard's, SISA the retrained shard's (its later slices run again over its earlier "
                + "ones too), Retrain every retained sample; train s of LegoNet and FixSISA is adapter training on the "
                + "encodings (the encoder is trained once, above)");
        notes.put("threads", threads + " threads for LegoNet; " + CnnNetwork.defaultThreads()
                + " for CNN training (Java, bit-reproducible)");
        // the peak again at the end: a peak depressed by other load at the start would inflate "% of peak"
        BenchResults.Machine again = bench.measureMachine(threads);
        if (again.peakGflops() > machine.peakGflops()) {
            notes.put("peak_at_start", machine.peakGflopsOneThread() + " GFLOP/s on 1 thread, " + machine.peakGflops()
                    + " on " + threads + "; the higher peak measured at the end of the run is the one reported");
            machine = again;
        }
        say("done.");
        return new PaperResults.Run(started, Benchmark.r1((System.nanoTime() - t0) / 1e9), o.quick(), machine,
                new BenchResults.Data(description, pub.size(), priv.size(), test.size(), classes), encoder,
                e2e.canonical(), methods, legonet, segmentation, checks, notes);
    }

    private static PaperResults.Method legonetRow(BenchResults.SettingResult r, String name) {
        BenchResults.Task rnd = r.random100();
        BenchResults.Task unc = r.unclass();
        boolean exact = r.single().verifiedExact() == r.single().runs()
                && (rnd == null || rnd.verify().equals("EXACT")) && (unc == null || unc.verify().equals("EXACT"))
                && (r.finalVerify().equals("EXACT") || r.finalVerify().equals("not run"));
        return new PaperResults.Method(name, "n=" + r.n() + " k=" + r.k() + " " + r.adapter(), "fixed encoder",
                r.before().test(), null, r.adapterSeconds(), r.single().runs(), r.single().p50Seconds(),
                r.single().p95Seconds(), r.single().meanAdaptersRetrained(), r.single().meanSamplesRetrained(),
                r.single().parametersRetrainedPerAdapter() * r.single().meanAdaptersRetrained(),
                rnd == null ? null : rnd.after().test(), r.before().retained(),
                rnd == null ? null : rnd.after().forgotten(),
                rnd == null ? null : new PaperResults.Task("Random100", rnd.forgotten(), rnd.seconds(),
                        rnd.adaptersRetrained(), rnd.after().test(), rnd.after().forgotten(), "verify " + rnd.verify()),
                unc == null ? null : new PaperResults.Task("UnClass", unc.forgotten(), unc.seconds(),
                        unc.adaptersRetrained(), unc.after().test(), unc.after().forgotten(), "verify " + unc.verify()),
                exact ? "EXACT" : "NOT EXACT");
    }

    /**
     * The done-when checks of the issue, computed from the measured figures only (so a report redrawn
     * from its JSON recomputes them). "Best setting" is read two ways and both are reported: the fastest
     * setting among those that reach the accuracy bar, and the most accurate setting.
     */
    public static List<PaperResults.Check> checks(List<PaperResults.Method> methods,
                                                  List<BenchResults.SettingResult> legonet,
                                                  List<PaperResults.Segment> seg, boolean quick) {
        final double bar = 0.905;
        List<PaperResults.Check> out = new ArrayList<>();
        PaperResults.Method retrain = methods.stream().filter(m -> m.method().equals("Retrain")).findFirst().orElse(null);
        PaperResults.Method s10 = methods.stream().filter(m -> m.method().equals("SISA") && m.setting().startsWith("s=10 "))
                .findFirst().orElse(null);
        List<PaperResults.Method> lego = methods.stream().filter(m -> m.method().equals("LegoNet")).toList();
        if (retrain != null) {
            out.add(new PaperResults.Check("Retrain reaches at least 0.92 test accuracy",
                    nz(retrain.testAccuracy()) >= 0.92, String.format(Locale.ROOT, "Retrain %.4f", nz(retrain.testAccuracy()))));
        }
        if (lego.isEmpty()) {
            return out;
        }
        PaperResults.Method best = lego.stream()
                .max((a, b) -> Double.compare(nz(a.testAccuracy()), nz(b.testAccuracy()))).orElseThrow();
        out.add(new PaperResults.Check("the most accurate LegoNet setting reaches at least 0.905 test accuracy",
                nz(best.testAccuracy()) >= bar, String.format(Locale.ROOT, "%s: %.4f", best.setting(),
                nz(best.testAccuracy()))));
        PaperResults.Method fastest = lego.stream().filter(m -> nz(m.testAccuracy()) >= bar)
                .min((a, b) -> Double.compare(a.removalP50Seconds(), b.removalP50Seconds())).orElse(null);
        if (fastest != null) {
            speedChecks(out, "the fastest LegoNet setting at >= 0.905 (" + fastest.setting() + ", "
                    + String.format(Locale.ROOT, "%.4f", nz(fastest.testAccuracy())) + ")", fastest, retrain, s10);
        } else {
            out.add(new PaperResults.Check("a LegoNet setting reaches 0.905", false, "none does"));
        }
        if (fastest != best) {
            speedChecks(out, "the most accurate LegoNet setting (" + best.setting() + ")", best, retrain, s10);
        }
        boolean allExact = true;
        int forgets = 0;
        for (BenchResults.SettingResult r : legonet) {
            forgets += r.single().runs() + (r.random100() == null ? 0 : 1) + (r.unclass() == null ? 0 : 1);
            allExact &= r.single().verifiedExact() == r.single().runs()
                    && (r.random100() == null || r.random100().verify().equals("EXACT"))
                    && (r.unclass() == null || r.unclass().verify().equals("EXACT"))
                    && !r.finalVerify().equals("NOT EXACT");
        }
        out.add(new PaperResults.Check("verify is EXACT after every LegoNet forget", allExact,
                forgets + " forgets in " + legonet.size() + " settings"));
        if (seg.size() >= 2) {
            PaperResults.Segment first = seg.get(0);
            PaperResults.Segment last = seg.get(seg.size() - 1);
            double sisaDrop = nz(first.sisa()) - nz(last.sisa());
            double legoDrop = nz(first.legonetK10()) - nz(last.legonetK10());
            out.add(new PaperResults.Check("as s grows, LegoNet k=" + (quick ? 2 : 10) + " holds accuracy while SISA falls",
                    legoDrop < sisaDrop, String.format(Locale.ROOT,
                    "from s=%d to s=%d: SISA %.4f -> %.4f (%+.4f), LegoNet %.4f -> %.4f (%+.4f)", first.s(), last.s(),
                    nz(first.sisa()), nz(last.sisa()), -sisaDrop, nz(first.legonetK10()), nz(last.legonetK10()),
                    -legoDrop)));
        }
        return out;
    }

    private static void speedChecks(List<PaperResults.Check> out, String who, PaperResults.Method m,
                                    PaperResults.Method retrain, PaperResults.Method s10) {
        if (retrain != null) {
            double x = retrain.removalP50Seconds() / m.removalP50Seconds();
            out.add(new PaperResults.Check(who + ": single-removal p50 at least 1,000x faster than Retrain", x >= 1000,
                    String.format(Locale.ROOT, "%.4f s against %.1f s: %,.0fx", m.removalP50Seconds(),
                            retrain.removalP50Seconds(), x)));
        }
        if (s10 != null) {
            double x = s10.removalP50Seconds() / m.removalP50Seconds();
            out.add(new PaperResults.Check(who + ": at least 50x faster than SISA s=10", x >= 50,
                    String.format(Locale.ROOT, "%.4f s against %.2f s: %,.0fx", m.removalP50Seconds(),
                            s10.removalP50Seconds(), x)));
        }
    }

    private static double nz(Double d) {
        return d == null ? Double.NaN : d;
    }

    private static long randomId(long[] ids, Set<Long> gone, Rng rng) {
        while (true) {
            long id = ids[rng.nextInt(ids.length)];
            if (gone.add(id)) {
                return id;
            }
        }
    }

    /** {@code count} distinct random rows of {@code all} at or after {@code from} (the private part). */
    private static int[] sampleRows(Dataset all, int from, int count, Rng rng) {
        int n = all.size() - from;
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = from + i;
        }
        rng.shuffle(rows);
        int[] out = Arrays.copyOf(rows, Math.min(count, n));
        Arrays.sort(out);
        return out;
    }

    private static int[] without(int[] rows, Dataset all, Set<Long> gone) {
        return Arrays.stream(rows).filter(r -> !gone.contains(all.id(r))).toArray();
    }

    private static int[] rowsOf(Dataset all, Set<Long> ids) {
        return ids.stream().mapToInt(all::rowOf).sorted().toArray();
    }

    private static Double accuracyOn(CnnWeights w, Dataset data, int[] rows, int classes, int threads) {
        if (rows.length == 0) {
            return null;
        }
        int[] labels = Arrays.stream(rows).map(data::label).toArray();
        return Benchmark.r4(Probabilities.accuracy(Probabilities.of(w, data, rows, threads), classes, labels));
    }

    private static Double ensembleAccuracy(Sisa model, int shards, Dataset data, int[] rows, int classes, int threads) {
        if (rows.length == 0) {
            return null;
        }
        int[] labels = Arrays.stream(rows).map(data::label).toArray();
        Ensemble e = new Ensemble(shards, classes, labels);
        for (int i = 0; i < shards; i++) {
            e.set(i, Probabilities.of(model.model(i), data, rows, threads));
        }
        return Benchmark.r4(e.accuracy(Ensemble.Aggregation.MEAN));
    }

    /** Public and private samples in one dataset (ids kept): what the end-to-end baselines train on. */
    static Dataset concat(Dataset a, Dataset b) {
        if (a.dim() != b.dim()) {
            throw new LegoNetException("public and private samples differ in size");
        }
        int n = a.size() + b.size();
        int d = a.dim();
        long[] ids = new long[n];
        int[] labels = new int[n];
        float[] x = new float[Math.multiplyExact(n, d)];
        for (int i = 0; i < a.size(); i++) {
            ids[i] = a.id(i);
            labels[i] = a.label(i);
            a.copyRow(i, x, i * d);
        }
        for (int i = 0; i < b.size(); i++) {
            int r = a.size() + i;
            ids[r] = b.id(i);
            labels[r] = b.label(i);
            b.copyRow(i, x, r * d);
        }
        return new Dataset("public + private", ids, labels, x, a.sampleShape());
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }
}
