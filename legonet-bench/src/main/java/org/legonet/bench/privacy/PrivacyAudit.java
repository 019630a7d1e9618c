package org.legonet.bench.privacy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.util.Rng;

/**
 * The privacy audit of a LegoNet model: membership attacks on the model as it is (loss threshold
 * and offline LiRA with shadow LegoNets) on three pairs of sets, and the before/after attack on a
 * forget simulated in memory, with each route-hiding cover asked for. Reads the model and the
 * samples it is given; writes nothing, and leaves the model as it was (docs/privacy.md).
 */
public final class PrivacyAudit {
    /** Bootstrap resamples of each AUC interval. */
    public static final int RESAMPLES = 1000;
    /** Decades between the ROC points kept in the results (about 200 points a curve at most). */
    static final double ROC_STEP = 0.02;

    /**
     * How an audit runs.
     *
     * @param shadows    shadow models for LiRA (at least 2)
     * @param trials     simulated forgets of the before/after attack (0: skip it)
     * @param candidates retained and unseen candidates beside each forgotten sample (m of each)
     * @param maxPerSet  samples scored per set at most (a seeded subsample beyond)
     * @param covers     cover settings of the before/after attack, or null for 0, k and 4k (capped at n - k)
     * @param seed       every random choice of the audit
     * @param threads    threads for training and encoding (never changes a figure)
     */
    public record Options(int shadows, int trials, int candidates, int maxPerSet, List<Integer> covers, long seed,
                          int threads) {
        public Options {
            if (shadows < 2) {
                throw new LegoNetException("--shadows must be at least 2, got " + shadows);
            }
            if (trials < 0) {
                throw new LegoNetException("--trials must be at least 0, got " + trials);
            }
            if (candidates < 1) {
                throw new LegoNetException("--candidates must be at least 1, got " + candidates);
            }
            if (maxPerSet < 2) {
                throw new LegoNetException("--max-per-set must be at least 2, got " + maxPerSet);
            }
            if (threads < 1) {
                throw new LegoNetException("--threads must be at least 1, got " + threads);
            }
            covers = covers == null ? null : List.copyOf(covers);
        }

        /** The defaults: 8 shadows, 50 trials of 50 + 50 candidates, 2,000 samples per set, covers 0, k, 4k. */
        public static Options defaults() {
            return new Options(8, 50, 50, 2000, null, 12, Runtime.getRuntime().availableProcessors());
        }

        public Options withShadows(int s) {
            return new Options(s, trials, candidates, maxPerSet, covers, seed, threads);
        }

        public Options withTrials(int t) {
            return new Options(shadows, t, candidates, maxPerSet, covers, seed, threads);
        }

        public Options withCandidates(int m) {
            return new Options(shadows, trials, m, maxPerSet, covers, seed, threads);
        }

        public Options withMaxPerSet(int max) {
            return new Options(shadows, trials, candidates, max, covers, seed, threads);
        }

        public Options withCovers(List<Integer> c) {
            return new Options(shadows, trials, candidates, maxPerSet, c, seed, threads);
        }

        public Options withSeed(long s) {
            return new Options(shadows, trials, candidates, maxPerSet, covers, s, threads);
        }

        public Options withThreads(int t) {
            return new Options(shadows, trials, candidates, maxPerSet, covers, seed, t);
        }
    }

    private static final long SUBSAMPLE = 1;
    private static final long SHADOWS = 2;
    private static final long BOOTSTRAP = 3;
    private static final long TRIALS = 4;

    private final Options options;
    private final Progress progress;

    public PrivacyAudit(Options options, Progress progress) {
        this.options = options;
        this.progress = progress;
    }

    /**
     * The samples of {@code privateSplit} that {@code net} forgot, found by their id hashes as
     * {@code eval} finds them: the only way back to them, since the model keeps no forgotten sample.
     * An id forgotten and later added again is held, so it is not among them.
     */
    public static Dataset forgottenIn(LegoNet net, Dataset privateSplit) {
        List<Integer> rows = new ArrayList<>();
        for (int r = 0; r < privateSplit.size(); r++) {
            long id = privateSplit.id(r);
            if (net.wasForgotten(id) && !net.holds(id)) {
                rows.add(r);
            }
        }
        return privateSplit.select(rows.stream().mapToInt(Integer::intValue).toArray(), "forgotten");
    }

    /**
     * Audits {@code net}.
     *
     * @param privateSplit the private split of the data it was trained on: the forgotten samples are
     *                     found there ({@link #forgottenIn}), and its ids are part of the id space the
     *                     directory attack hashes
     * @param unseen       samples the model never trained on (the test split)
     * @param forgottenRecorded how many samples the model's log says were forgotten (a note when fewer were found)
     */
    public PrivacyResults.Run run(LegoNet net, Dataset privateSplit, Dataset unseen, long forgottenRecorded) {
        long t0 = System.nanoTime();
        String started = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        LegoNetModel model = net.model();
        PrivateSet data = net.privateSet();
        if (unseen == null || unseen.size() < 2) {
            throw new LegoNetException("the privacy audit needs unseen samples: the data has no test split (pass --test)");
        }
        if (unseen.dim() != net.inputDim()) {
            throw new LegoNetException(unseen.name() + " has " + unseen.dim() + " features per sample; the model takes "
                    + net.inputDim());
        }
        if (privateSplit.dim() != net.inputDim()) {
            throw new LegoNetException(privateSplit.name() + " has " + privateSplit.dim()
                    + " features per sample; the model takes " + net.inputDim());
        }
        Dataset forgotten = forgottenIn(net, privateSplit);
        List<String> notes = new ArrayList<>();
        int max = options.maxPerSet();
        Rng rng = new Rng(Rng.derive(options.seed(), SUBSAMPLE));
        int[] retainedRows = data.retainedRows();
        int[] chosen = subsample(rng, retainedRows.length, max);
        int[] rows = new int[chosen.length];
        for (int i = 0; i < chosen.length; i++) {
            rows[i] = retainedRows[chosen[i]];
        }
        Targets retained = Targets.retained(data, rows);
        Dataset unseenScored = unseen.select(subsample(rng, unseen.size(), max), "unseen");
        Dataset forgottenScored = forgotten.size() == 0 ? null
                : forgotten.select(subsample(rng, forgotten.size(), max), "forgotten");
        progress.start("encode the unseen and forgotten samples", 1);
        Targets unseenT;
        Targets forgottenT;
        try {
            unseenT = Targets.encoded("unseen", model, unseenScored, options.threads());
            forgottenT = forgottenScored == null ? null
                    : Targets.encoded("forgotten", model, forgottenScored, options.threads());
        } finally {
            progress.finish();
        }
        int found = forgotten.size();
        if (retainedRows.length > max || unseen.size() > max || found > max) {
            notes.add("each set is subsampled to at most " + max + " samples (seeded)");
        }
        if (found < forgottenRecorded) {
            notes.add("found " + found + " of the " + forgottenRecorded + " forgotten samples in the data given");
        }
        if (forgottenT == null) {
            notes.add("no forgotten sample to score: the pairs with forgotten samples are left out");
        }

        ShadowLira lira = new ShadowLira(model, data, options.shadows(), Rng.derive(options.seed(), SHADOWS),
                options.threads(), progress);
        List<PrivacyResults.Attack> attacks = new ArrayList<>();
        long boot = Rng.derive(options.seed(), BOOTSTRAP);
        attacks.add(attack("loss", "the model's logit-scaled confidence in the true label (monotone in -loss)",
                retained.confidence(model), unseenT.confidence(model),
                forgottenT == null ? null : forgottenT.confidence(model), boot));
        attacks.add(attack("lira", "offline LiRA: standard deviations above the out-shadows' mean confidence ("
                        + options.shadows() + " shadows on random halves of the retained samples)",
                lira.scores(retained), lira.scores(unseenT), forgottenT == null ? null : lira.scores(forgottenT),
                boot));

        List<PrivacyResults.Deletion> deletion = new ArrayList<>();
        if (options.trials() > 0) {
            DeletionAttack d = new DeletionAttack(data, net.updateHistory(), unseenT, options.threads());
            int m = Math.min(options.candidates(), Math.min(retainedRows.length - 1, unseenT.size()));
            if (m < options.candidates()) {
                notes.add("the before/after attack ranks " + m + " retained and " + m + " unseen candidates per trial "
                        + "(too few samples for " + options.candidates() + ")");
            }
            List<LegoNetModel> withCovers = covers(model).stream().map(model::withCover).toList();
            deletion.addAll(d.run(withCovers, options.trials(), m, Rng.derive(options.seed(), TRIALS), progress));
        }
        PrivacyResults.Exposure exposure = null;
        if (net.dir() == null) {
            notes.add("the model is held in memory: there is no directory to attack without the key");
        } else {
            progress.start("attack the directory without the key", 1);
            try {
                exposure = DirectoryExposure.attack(net, LongStream.concat(LongStream.of(privateSplit.ids()),
                        LongStream.of(unseen.ids())).toArray(), forgotten.ids(), notes);
            } finally {
                progress.finish();
            }
        }
        PrivacyResults.Model what = new PrivacyResults.Model(model.digest(), net.dir() == null ? null
                : net.dir().toString(), model.adapterCount(), model.router().k(), model.config().adapter().toString(),
                model.classes(), data.retained(), forgottenRecorded, model.config().cover());
        PrivacyResults.Sets sets = new PrivacyResults.Sets(retainedRows.length, retained.size(), unseen.size(),
                unseenT.size(), found, forgottenT == null ? 0 : forgottenT.size(), max, unseen.name());
        return new PrivacyResults.Run(started, (System.nanoTime() - t0) / 1e9, what, sets, options.shadows(),
                options.seed(), attacks, deletion, exposure, notes);
    }

    /** The covers to try: those asked for, or 0, k and 4k; each capped at n - k (what can be chosen). */
    List<Integer> covers(LegoNetModel model) {
        int k = model.router().k();
        int cap = model.adapterCount() - k;
        List<Integer> asked = options.covers() != null ? options.covers() : List.of(0, k, 4 * k);
        List<Integer> out = new ArrayList<>();
        for (int c : asked) {
            if (c < 0) {
                throw new LegoNetException("--covers: a cover is at least 0, got " + c);
            }
            int capped = Math.min(c, cap);
            if (!out.contains(capped)) {
                out.add(capped);
            }
        }
        return out;
    }

    /** One attack's three pairs: retained vs unseen, forgotten vs unseen, forgotten vs retained. */
    private static PrivacyResults.Attack attack(String name, String score, double[] retained, double[] unseen,
                                                double[] forgotten, long seed) {
        List<PrivacyResults.Pair> pairs = new ArrayList<>();
        pairs.add(pair("retained vs unseen", retained, unseen, seed));
        if (forgotten != null) {
            pairs.add(pair("forgotten vs unseen", forgotten, unseen, seed));
            pairs.add(pair("forgotten vs retained", forgotten, retained, seed));
        }
        return new PrivacyResults.Attack(name, score, pairs);
    }

    static PrivacyResults.Pair pair(String name, double[] positives, double[] negatives, long seed) {
        Roc roc = new Roc(positives, negatives);
        Roc.Interval ci = roc.bootstrap(RESAMPLES, 0.95, seed);
        return new PrivacyResults.Pair(name, roc.positives(), roc.negatives(), roc.auc(), ci.low(), ci.high(),
                roc.tprAt(0.001), roc.tprAt(0.01), roc.curve(ROC_STEP));
    }

    /** {@code min(count, max)} distinct indices below {@code count}, ascending: all of them when they fit. */
    static int[] subsample(Rng rng, int count, int max) {
        int[] all = new int[count];
        for (int i = 0; i < count; i++) {
            all[i] = i;
        }
        if (count <= max) {
            return all;
        }
        rng.shuffle(all);
        int[] out = Arrays.copyOf(all, max);
        Arrays.sort(out);
        return out;
    }
}
