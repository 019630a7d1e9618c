package org.legonet.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.legonet.core.IdKey;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.kernel.Simd;
import org.legonet.core.Accuracy;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.Evaluation;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.model.Trained;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.UpdateReport;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.VerifyReport;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/**
 * The benchmark of docs/benchmark-protocol.md for LegoNet: every setting of a small (n, k) grid with linear and
 * MLP adapters, the single-adapter baselines and retraining all adapters, measured side by side in
 * one run on this machine. Tasks per setting: Train, Single (repeated one-sample forgets, p50/p95,
 * each followed by a from-scratch check of the adapters it retrained), Random100 and UnClass (each
 * followed by {@code verify}), retraining all adapters, and a full {@code verify} at the end.
 */
public final class Benchmark {
    /** One LegoNet setting: n adapters, k activated per sample, the adapter architecture. */
    public record Setting(int n, int k, String adapter) {
        /** Parses {@code NxK} or {@code NxK:ARCH}, e.g. {@code 100x4:mlp:128}. */
        public static Setting parse(String s) {
            String[] head = s.trim().split(":", 2);
            String[] nk = head[0].split("x");
            try {
                String arch = head.length > 1 ? head[1] : ModelConfig.defaults().adapter().toString();
                AdapterSpec.parse(arch);
                Setting out = new Setting(Integer.parseInt(nk[0]), Integer.parseInt(nk[1]), arch);
                if (out.n < 1 || out.k < 1 || out.k > out.n) {
                    throw new LegoNetException("setting '" + s + "': need 1 <= k <= n");
                }
                return out;
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new LegoNetException("setting '" + s + "' is not of the form NxK or NxK:ARCH (e.g. 100x4:mlp:128)");
            }
        }

        @Override
        public String toString() {
            return "n=" + n + " k=" + k + " " + adapter;
        }
    }

    /**
     * @param quick     a minute-scale run: the default setting only
     * @param singles   one-sample forgets per setting (at least 20)
     * @param seed      seed of the random forget requests
     * @param threads   worker threads
     * @param grid      the LegoNet settings
     * @param baselines adapter architectures of the single-adapter baselines
     * @param base      configuration every setting starts from (encoder, epochs, ...)
     * @param workDir   where model directories are written (deleted afterwards)
     */
    public record Options(boolean quick, int singles, long seed, int threads, List<Setting> grid,
                          List<String> baselines, ModelConfig base, Path workDir) {
        public Options {
            if (singles < 1) {
                throw new LegoNetException("--singles must be at least 1, got " + singles);
            }
            if (grid.isEmpty()) {
                throw new LegoNetException("the benchmark grid is empty");
            }
        }

        /** The grid of a full run. */
        public static List<Setting> fullGrid() {
            return List.of(Setting.parse("10x1:mlp:128"), Setting.parse("20x2:mlp:128"), Setting.parse("50x3:mlp:128"),
                    Setting.parse("100x4:mlp:128"), Setting.parse("200x5:mlp:128"), Setting.parse("100x4:linear"),
                    Setting.parse("100x10:linear"));
        }

        /** The grid of a quick run: the default setting. */
        public static List<Setting> quickGrid() {
            ModelConfig d = ModelConfig.defaults();
            return List.of(new Setting(d.adapters(), d.activate(), d.adapter().toString()));
        }
    }

    /**
     * Which tasks {@link #runSetting} measures for one setting.
     *
     * @param singles        one-sample forgets (each checked against a from-scratch rebuild of its adapters)
     * @param retrainAllRuns one-sample forgets done by retraining every adapter (0: skip the baseline)
     * @param random100      Random100, verified
     * @param unclass        UnClass, verified in full
     * @param retrainAll     retrain every adapter once (the throughput figure)
     * @param finalVerify    a full verify at the end
     * @param singleRebuild  check each one-sample forget by retraining the adapters it retrained from scratch on
     *                       the stored encodings of their retained samples and comparing digests, instead of a
     *                       {@code verify} that also re-encodes every retained raw sample (for costly encoders;
     *                       the full verify of Random100, UnClass and the end re-derives those encodings)
     * @param adds           insertion beside forgetting: the Single samples added back one at a time
     *                       (SingleAdd, checked like Single) and Random100's samples added back in one
     *                       request (Add100, verified like Random100)
     */
    public record Tasks(int singles, int retrainAllRuns, boolean random100, boolean unclass, boolean retrainAll,
                        boolean finalVerify, boolean singleRebuild, boolean adds) {
        /** Everything, as {@code legonet bench} measures it. */
        public static Tasks all(int singles, boolean quick) {
            return new Tasks(singles, quick ? 3 : 5, true, true, true, true, false, true);
        }
    }

    private final Options options;
    private final Progress progress;
    private final PrintWriter log;

    public Benchmark(Options options, Progress progress, PrintWriter log) {
        this.options = options;
        this.progress = progress;
        this.log = log;
    }

    /** Runs everything on the given splits; writes nothing but temporary model directories. */
    public BenchResults.Run run(Dataset publicSplit, Dataset privateSplit, Dataset test, String description)
            throws IOException {
        long t0 = System.nanoTime();
        String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        int threads = options.threads();
        BenchResults.Machine machine = measureMachine(threads);
        double peakAll = machine.peakGflops();

        ModelConfig base = options.base();
        LegoNetTrainer encoderTrainer = new LegoNetTrainer(base, threads, progress);
        say("fitting " + base.encoder() + " on " + publicSplit.size() + " public samples and encoding ...");
        LegoNetTrainer.Encoded encoded = encoderTrainer.encode(publicSplit, privateSplit);
        float[] testEnc = test == null ? null : Encoders.encodeAll(encoded.encoder(), test, threads, progress);
        int classes = LegoNetTrainer.classesOf(base, publicSplit);
        BenchResults.EncoderFit fit = new BenchResults.EncoderFit(base.encoder(), r3(encoded.fitSeconds()),
                r3(encoded.encodeSeconds()), encoded.encoder().outputDim());
        say(String.format(Locale.ROOT, "  fit %.2f s, encode %.2f s", encoded.fitSeconds(), encoded.encodeSeconds()));

        List<BenchResults.Baseline> baselines = new ArrayList<>();
        for (String arch : options.baselines()) {
            ModelConfig c = base.withShape(1, 1).withAdapter(AdapterSpec.parse(arch));
            say("baseline: one " + arch + " adapter on all " + privateSplit.size() + " private samples ...");
            Trained t = new LegoNetTrainer(c, threads, progress).train(encoded);
            double acc = testEnc == null ? Double.NaN : Evaluation.ofEncoded(t.model(), testEnc, test.labels(), test.size()).accuracy();
            baselines.add(new BenchResults.Baseline("single adapter", arch, r4(acc), r3(t.stats().adapterSeconds()),
                    r1(t.stats().adapterGflops()), t.model().adapter(0).parameterCount()));
            say(String.format(Locale.ROOT, "  test accuracy %.4f, %.2f s (%.1f GFLOP/s, one thread)", acc,
                    t.stats().adapterSeconds(), t.stats().adapterGflops()));
        }

        List<BenchResults.SettingResult> settings = new ArrayList<>();
        for (Setting s : options.grid()) {
            ModelConfig c = base.withShape(s.n(), s.k()).withAdapter(AdapterSpec.parse(s.adapter()));
            settings.add(runSetting(s, c, encoded, test, testEnc, classes, peakAll,
                    Tasks.all(options.singles(), options.quick())));
        }
        say("encoder size: the first setting on a small and a >= 50 MB ONNX encoder with the same encodings ...");
        BenchResults.LargeEncoderForget large = LargeEncoderForget.run(publicSplit, privateSplit,
                base.withShape(options.grid().get(0).n(), options.grid().get(0).k())
                        .withAdapter(AdapterSpec.parse(options.grid().get(0).adapter())),
                threads, Math.max(5, Math.min(options.singles(), 20)), options.seed(), options.workDir(), progress);
        say(Report.largeEncoderLine(large));
        encoded.close(); // the settings shared this encoder; the run that fitted it closes it
        Map<String, Object> notes = new LinkedHashMap<>();
        notes.put("flop_count", "2 FLOP per multiply-add of the dense layers: forward, weight gradients and input "
                + "gradients (real class count, padding excluded); softmax, activations and optimiser not counted");
        notes.put("peak", "FMA-only kernel: 12 independent vector FMA chains per thread on the same vector species as "
                + "training, 2 FLOP per lane per FMA, best of 3 runs");
        notes.put("single_seconds", "wall time of one forget request in process: find, retrain the affected adapters "
                + "from scratch, rewrite the affected data chunks and adapter files, fsync, atomic manifest switch");
        notes.put("large_encoder", "one-sample forgets of one model stored with a small and with a >= 50 MB ONNX "
                + "encoder computing the same encodings (p50 of each, interleaved): a forget neither reads nor hashes the "
                + "encoder, so the size of the encoder should not show");
        notes.put("retrain_all", "the baseline of the same task: a one-sample forget done by retraining every adapter from scratch and committing (p50 of several); the throughput figure (retrain all s, GFLOP/s) trains every adapter without a store update");
        return new BenchResults.Run(started, r1((System.nanoTime() - t0) / 1e9), options.quick(), machine,
                new BenchResults.Data(description, publicSplit.size(), privateSplit.size(), test == null ? 0 : test.size(),
                        classes), fit, baselines, settings, large, notes);
    }

    /** This machine, with its FMA peak on one thread and on {@code threads} threads. */
    BenchResults.Machine measureMachine(int threads) {
        say("measuring the FMA peak of this machine ...");
        double peak1 = FmaPeak.measure(1, 0.3, 5);
        double peakAll = FmaPeak.measure(threads, 0.3, 5);
        say(String.format(Locale.ROOT, "  FMA peak: %.1f GFLOP/s on 1 thread, %.1f on %d threads (%s)", peak1, peakAll,
                threads, Simd.describe()));
        return new BenchResults.Machine(Runtime.getRuntime().availableProcessors(), threads,
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), cpuName(), Simd.describe(),
                r1(peak1), r1(peakAll), Runtime.getRuntime().maxMemory());
    }

    BenchResults.SettingResult runSetting(Setting s, ModelConfig config, LegoNetTrainer.Encoded encoded,
                                          Dataset test, float[] testEnc, int classes, double peak, Tasks tasks)
            throws IOException {
        int threads = options.threads();
        resetPeakHeap();
        say("setting " + s + ": training ...");
        Trained trained = new LegoNetTrainer(config, threads, progress).train(encoded);
        PrivateSet data0 = trained.data();
        PrivateSet.Sizes sizes = data0.sizes();
        double expected = data0.expectedRemovalCost();
        double ideal = data0.idealRemovalCost();
        BenchResults.Accuracies before = accuracies(trained.model(), data0, testEnc, test, null, -1, encoded);
        say(String.format(Locale.ROOT, "  test accuracy %.4f; adapters %d..%d; cost per removal %.0f (ideal %.0f, x%.3f); "
                        + "adapters trained in %.2f s at %.1f GFLOP/s", before.test() == null ? Double.NaN : before.test(),
                sizes.min(), sizes.max(), expected, ideal, expected / ideal, trained.stats().adapterSeconds(),
                trained.stats().adapterGflops()));

        Path dir = Files.createDirectories(options.workDir()).resolve("bench-" + s.n() + "x" + s.k() + "-"
                + s.adapter().replace(':', '-').replace(',', '-') + "-" + System.nanoTime());
        IdKey idKey = IdKey.generate(); // the model lives as long as the run: its key is never written
        ModelStore.create(dir, trained, new Manifest.DatasetInfo("benchmark", null, "bench",
                encoded.publicSplit().size() + encoded.privateSplit().size(), encoded.publicSplit().size(),
                encoded.privateSplit().size(), encoded.privateSplit().dim(), encoded.privateSplit().sampleShape()),
                idKey, false, Progress.NONE);
        long storeBytes = directoryBytes(dir);
        Verifier verifier = new Verifier(threads, Progress.NONE);
        Rng rng = new Rng(Rng.derive(options.seed(), s.n(), s.k(), s.adapter().hashCode()));
        List<Long> forgottenIds = new ArrayList<>();
        try (ModelStore store = ModelStore.open(dir, true, idKey)) {
            Unlearner unlearner = new Unlearner(store, threads, Progress.NONE);

            int singles = tasks.singles();
            long paramsPerAdapter = trained.model().adapter(0).parameterCount();
            Dataset priv = encoded.privateSplit();
            say("  Single: " + singles + " one-sample forgets, each checked against a from-scratch rebuild"
                    + (tasks.adds() ? "; SingleAdd: each sample added back right after its forget (interleaved, so that "
                    + "both see the same machine), checked the same way" : "") + " ...");
            List<Checked> forgets = new ArrayList<>();
            List<Checked> adds = new ArrayList<>();
            for (int i = 0; i < singles; i++) {
                long id = randomRetainedId(store.data(), rng);
                forgets.add(checked("forgetting", id, unlearner.forget(ForgetRequest.ofIds(id)), store, verifier,
                        tasks, config, classes));
                if (tasks.adds()) {
                    // its id was forgotten: adding it again is allowed explicitly
                    adds.add(checked("adding", id, unlearner.update(Edit.add(samples(priv, new long[] {id}, "SingleAdd"))
                            .withReaddForgotten(true)), store, verifier, tasks, config, classes));
                } else {
                    forgottenIds.add(id);
                }
            }
            BenchResults.Single single = summary(forgets, paramsPerAdapter);
            say(String.format(Locale.ROOT, "  Single: p50 %.4f s, p95 %.4f s (retrain %.4f + store %.4f); %d/%d EXACT",
                    single.p50Seconds(), single.p95Seconds(), single.p50TrainSeconds(), single.p50StoreSeconds(),
                    single.verifiedExact(), singles));
            BenchResults.Single singleAdd = null;
            if (tasks.adds()) {
                singleAdd = summary(adds, paramsPerAdapter);
                say(String.format(Locale.ROOT, "  SingleAdd: p50 %.4f s, p95 %.4f s (retrain %.4f + store %.4f); "
                                + "%d/%d EXACT; x%.2f of Single's p50", singleAdd.p50Seconds(), singleAdd.p95Seconds(),
                        singleAdd.p50TrainSeconds(), singleAdd.p50StoreSeconds(), singleAdd.verifiedExact(), singles,
                        singleAdd.p50Seconds() / single.p50Seconds()));
            }

            int baselineRuns = tasks.retrainAllRuns();
            double allP50 = Double.NaN;
            if (baselineRuns > 0) {
                say("  Retrain-all baseline: " + baselineRuns + " one-sample forgets by retraining every adapter ...");
                double[] allSecs = new double[baselineRuns];
                for (int i = 0; i < baselineRuns; i++) {
                    long id = randomRetainedId(store.data(), rng);
                    allSecs[i] = unlearner.forget(ForgetRequest.ofIds(id), true).seconds();
                    forgottenIds.add(id);
                }
                allP50 = percentile(allSecs, 50);
                say(String.format(Locale.ROOT, "  Retrain-all baseline: p50 %.3f s per one-sample forget", allP50));
            }

            BenchResults.Task random100 = null;
            if (tasks.random100()) {
            say("  Random100: forget 100 random samples in one request ...");
            long[] hundred = new long[100];
            for (int i = 0; i < hundred.length; i++) {
                long id;
                do {
                    id = randomRetainedId(store.data(), rng);
                } while (contains(hundred, i, id));
                hundred[i] = id;
            }
            random100 = task("Random100", unlearner.forget(ForgetRequest.ofIds(hundred)), store,
                    verifier, testEnc, test, hundred, -1, encoded, false);
            for (long id : hundred) {
                forgottenIds.add(id);
            }
            }

            BenchResults.Task add100 = null;
            if (tasks.adds() && random100 != null) {
                say("  Add100: the 100 samples Random100 forgot, added back in one request ...");
                long[] back = forgottenIds.subList(forgottenIds.size() - 100, forgottenIds.size()).stream()
                        .mapToLong(Long::longValue).toArray();
                add100 = task("Add100", unlearner.update(Edit.add(samples(encoded.privateSplit(), back, "Add100"))
                        .withReaddForgotten(true)), store, verifier, testEnc, test, null, -1, encoded, false);
            }

            BenchResults.Task unclass = null;
            if (tasks.unclass()) {
            int cls = new Rng(Rng.derive(options.seed(), 0x55)).nextInt(classes);
            say("  UnClass: forget every private sample of class " + cls + " ...");
            long[] classIds = classIds(store.data(), cls);
            unclass = task("UnClass", unlearner.forget(ForgetRequest.ofClass(cls)), store, verifier,
                    testEnc, test, classIds, cls, encoded, true);
            }

            double retrainAll = Double.NaN;
            double retrainGflops = Double.NaN;
            if (tasks.retrainAll()) {
            say("  retraining all " + s.n() + " adapters from scratch on the retained data ...");
            AdapterTrainer trainer = LegoNetTrainer.adapterTrainer(config);
            long r0 = System.nanoTime();
            Adapter[] all = AdapterPool.train(trainer, store.data(), AdapterPool.all(s.n()), config.seed(), classes,
                    threads, progress);
            retrainAll = (System.nanoTime() - r0) / 1e9;
            long flops = 0;
            for (Adapter a : all) {
                flops += trainer.flops(a.inputDim(), a.classes(), a.samples());
            }
            retrainGflops = flops / retrainAll / 1e9;
            }
            double speedup = allP50 / Math.max(1e-9, single.p50Seconds());
            double required = (double) s.n() / (2.0 * s.k());

            VerifyReport full = null;
            if (tasks.finalVerify()) {
                say("  final verify (every adapter rebuilt from the retained raw samples) ...");
                full = verifier.verify(store, false);
            }
            if (tasks.retrainAll()) {
            say(String.format(Locale.ROOT, "  retrain all %.2f s (%.1f GFLOP/s, %.0f%% of peak)%s; final verify %s",
                    retrainAll, retrainGflops, 100 * retrainGflops / peak, baselineRuns == 0 ? ""
                            : String.format(Locale.ROOT, "; a one-sample forget is %.1fx faster than by retraining all "
                            + "adapters (required %.1fx)", speedup, required), verdict(full)));
            }
            return new BenchResults.SettingResult(s.toString(), s.n(), s.k(), s.adapter(), config.toMap(),
                    r3(trained.stats().totalSeconds()), r3(trained.stats().adapterSeconds()),
                    r1(trained.stats().adapterGflops()), r1(100 * trained.stats().adapterGflops() / peak), sizes,
                    r1(expected), r1(ideal), r3(expected / ideal), before, single, singleAdd, r4(allP50), baselineRuns,
                    random100, add100, unclass, opt(retrainAll, 1000), opt(retrainGflops, 10), opt(100 * retrainGflops / peak, 10),
                    opt(speedup, 10), r1(required),
                    verdict(full), full == null ? 0 : r3(full.seconds()), peakHeap(), trained.model().digest(), storeBytes);
        } finally {
            deleteTree(dir);
        }
    }

    /** Retrains {@code adapters} from scratch on the store's retained encodings; lists digest mismatches. */
    private List<String> rebuild(ModelStore store, ModelConfig config, int[] adapters, int classes) {
        Adapter[] fresh = AdapterPool.train(LegoNetTrainer.adapterTrainer(config), store.data(), adapters, config.seed(),
                classes, options.threads(), Progress.NONE);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < adapters.length; i++) {
            if (!fresh[i].digest().equals(store.model().adapter(adapters[i]).digest())) {
                problems.add("adapter " + adapters[i] + " differs from its from-scratch rebuild");
            }
        }
        return problems;
    }

    private static List<String> failures(VerifyReport v) {
        return v.exact() ? List.of() : v.problems().isEmpty() ? List.of("not exact") : v.problems();
    }

    private static String verdict(VerifyReport v) {
        return v == null ? "not run" : v.exact() ? "EXACT" : "NOT EXACT";
    }

    private BenchResults.Task task(String name, UpdateReport r, ModelStore store, Verifier verifier, float[] testEnc,
                                   Dataset test, long[] forgotten, int forgottenClass, LegoNetTrainer.Encoded encoded,
                                   boolean fullVerify) {
        VerifyReport v = fullVerify ? verifier.verify(store, false)
                : verifier.verify(store, r.adaptersRetrained().stream().mapToInt(Integer::intValue).toArray());
        BenchResults.Accuracies after = accuracies(store.model(), store.data(), testEnc, test, forgotten, forgottenClass,
                encoded);
        say(String.format(Locale.ROOT, "  %s: %s, %d adapters and %,d samples retrained in %.3f s; after: test %s, "
                        + "retained %s, forgotten %s; verify %s", name, r.added() > 0 ? r.added() + " added"
                        : r.forgotten() + " forgotten", r.adaptersRetrained().size(),
                r.samplesRetrained(), r.seconds(), fmt(after.test()), fmt(after.retained()), fmt(after.forgotten()),
                v.exact() ? "EXACT" : "NOT EXACT"));
        return new BenchResults.Task(name, r.request(), r.forgotten(), r.added(), r.adaptersRetrained().size(),
                r.samplesRetrained(),
                r.parametersRetrained(), r4(r.seconds()), r4(r.trainSeconds()), r4(r.storeSeconds()), after,
                v.exact() ? "EXACT" : "NOT EXACT", r3(v.seconds()));
    }

    private static BenchResults.Accuracies accuracies(LegoNetModel model, PrivateSet data, float[] testEnc, Dataset test,
                                                      long[] forgotten, int forgottenClass, LegoNetTrainer.Encoded enc) {
        Double testAcc = null;
        Double other = null;
        if (testEnc != null) {
            Accuracy a = Evaluation.ofEncoded(model, testEnc, test.labels(), test.size());
            testAcc = r4(a.accuracy());
            if (forgottenClass >= 0) {
                int ok = 0;
                int n = 0;
                for (int c = 0; c < a.perClassSamples().length; c++) {
                    if (c != forgottenClass) {
                        ok += a.perClassCorrect()[c];
                        n += a.perClassSamples()[c];
                    }
                }
                other = n == 0 ? null : r4((double) ok / n);
            }
        }
        Double retained = r4(Evaluation.ofRetained(model, data).accuracy());
        Double gone = null;
        if (forgotten != null && forgotten.length > 0) {
            Dataset priv = enc.privateSplit();
            int dim = enc.encoder().outputDim();
            float[] x = new float[forgotten.length * dim];
            int[] y = new int[forgotten.length];
            for (int i = 0; i < forgotten.length; i++) {
                int row = priv.rowOf(forgotten[i]);
                System.arraycopy(enc.privateEncodings(), row * dim, x, i * dim, dim);
                y[i] = priv.label(row);
            }
            gone = r4(Evaluation.ofEncoded(model, x, y, forgotten.length).accuracy());
        }
        return new BenchResults.Accuracies(testAcc, other, retained, gone);
    }

    /** One one-sample update, timed and checked. */
    private record Checked(UpdateReport report, boolean exact) {
    }

    /**
     * Checks a one-sample update (Single, SingleAdd) against a from-scratch rebuild of the adapters
     * it retrained.
     */
    private Checked checked(String what, long id, UpdateReport r, ModelStore store, Verifier verifier, Tasks tasks,
                            ModelConfig config, int classes) {
        int[] retrained = r.adaptersRetrained().stream().mapToInt(Integer::intValue).toArray();
        List<String> problems = tasks.singleRebuild() ? rebuild(store, config, retrained, classes)
                : failures(verifier.verify(store, retrained));
        if (!problems.isEmpty()) {
            say("  NOT EXACT after " + what + " id " + id + ": " + problems);
        }
        // the check allocates the whole retained data set; collect that garbage outside the timed updates, so
        // that they pay for their own allocation only
        System.gc();
        return new Checked(r, problems.isEmpty());
    }

    /** p50/p95 and counts of one-sample updates. */
    private static BenchResults.Single summary(List<Checked> runs, long paramsPerAdapter) {
        int n = runs.size();
        double[] secs = runs.stream().mapToDouble(c -> c.report().seconds()).toArray();
        double[] train = runs.stream().mapToDouble(c -> c.report().trainSeconds()).toArray();
        double[] store = runs.stream().mapToDouble(c -> c.report().storeSeconds()).toArray();
        double adapters = runs.stream().mapToDouble(c -> c.report().adaptersRetrained().size()).sum();
        double samples = runs.stream().mapToDouble(c -> c.report().samplesRetrained()).sum();
        int exact = (int) runs.stream().filter(Checked::exact).count();
        return new BenchResults.Single(n, r4(percentile(secs, 50)), r4(percentile(secs, 95)),
                r4(Arrays.stream(secs).average().orElse(0)), r4(percentile(train, 50)), r4(percentile(store, 50)),
                r2(adapters / n), r1(samples / n), paramsPerAdapter, exact);
    }

    /** The raw private samples with these ids, as given at training. */
    private static Dataset samples(Dataset priv, long[] ids, String name) {
        int[] rows = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            rows[i] = priv.rowOf(ids[i]);
        }
        return priv.select(rows, name);
    }

    private static long[] classIds(PrivateSet data, int cls) {
        return Arrays.stream(data.retainedRows()).filter(r -> data.label(r) == cls).mapToLong(data::id).toArray();
    }

    private static long randomRetainedId(PrivateSet data, Rng rng) {
        while (true) {
            int r = rng.nextInt(data.rows());
            if (!data.isErased(r)) {
                return data.id(r);
            }
        }
    }

    private static boolean contains(long[] a, int n, long v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    static double percentile(double[] xs, double p) {
        double[] s = xs.clone();
        Arrays.sort(s);
        if (s.length == 0) {
            return Double.NaN;
        }
        double rank = p / 100.0 * (s.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return s[lo] + (s[hi] - s[lo]) * (rank - lo);
    }

    static void resetPeakHeap() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    private static String cpuName() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
            log.flush();
        }
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.4f", d);
    }

    /** Bytes of the regular files under {@code dir}. */
    static long directoryBytes(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            long sum = 0;
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
            return sum;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code v} rounded to 1/scale, or null when it was not measured (NaN). */
    static Double opt(double v, double scale) {
        return Double.isNaN(v) ? null : Math.round(v * scale) / scale;
    }

    static double r1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static double r2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static double r3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    static Double r4(double v) {
        return Double.isNaN(v) ? null : Math.round(v * 10000) / 10000.0;
    }
}
