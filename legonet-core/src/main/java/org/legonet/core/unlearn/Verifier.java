package org.legonet.core.unlearn;

import org.legonet.core.VerifyReport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.AdapterTraining;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.store.ModelStore;
import org.legonet.core.Progress;

/**
 * Proves a stored model exact: rebuilds it from the retained raw samples alone (re-encode with the
 * frozen encoder, re-route with the frozen keys, retrain adapters from scratch) and compares every
 * adapter's digest with the stored one. Nothing is written.
 *
 * <p>One verification path with a scope: all adapters rebuilt (the proof), or only some (those
 * forgets retrained, or a chosen list), in which case the others are only checked against the
 * sample-set digests in their own files. The report states the scope ({@link VerifyReport#scope()},
 * {@link VerifyReport#fullRebuild()}), so a partial check is never mistaken for the proof.
 */
public final class Verifier {
    private final int threads;
    private final AdapterTraining training;
    private final Progress progress;

    /** A verifier that encodes, routes and retrains on {@code threads} threads of this process. */
    public Verifier(int threads, Progress progress) {
        this(threads, AdapterTraining.threads(threads), progress);
    }

    /**
     * A verifier that encodes and routes on {@code threads} threads and rebuilds adapters with
     * {@code training} (a cluster engine's); the verdict does not depend on either.
     */
    public Verifier(int threads, AdapterTraining training, Progress progress) {
        this.threads = threads;
        this.training = training;
        this.progress = progress;
    }

    /**
     * @param affectedOnly retrain only the adapters some forget has retrained (faster); the others
     *                     are only checked against the sample-set digests in their files, which
     *                     does not prove their weights (the report says so)
     */
    public VerifyReport verify(ModelStore store, boolean affectedOnly) {
        return affectedOnly ? verify(store, store.adaptersEverRetrained(), "retrained by forgets") : verify(store, null);
    }

    /**
     * Verifies with only {@code adapters} retrained from scratch (all when null); every other
     * adapter is only checked by the digest of its rebuilt sample set.
     */
    public VerifyReport verify(ModelStore store, int[] adapters) {
        return verify(store, adapters, "chosen");
    }

    /**
     * Verifies a stored model with only {@code adapters} rebuilt (all when null).
     *
     * @param which how the rebuilt adapters were chosen, for the report's scope ("retrained by updates")
     */
    public VerifyReport verify(ModelStore store, int[] adapters, String which) {
        long t0 = System.nanoTime();
        // the samples first: a read-only store that a commit superseded meanwhile moves to the newer generation
        Dataset raw = store.readRaw(progress);
        return verify(store.model(), store.data(), raw, adapters, which, t0);
    }

    /**
     * Verifies {@code model}, whose private samples are {@code cached}, against {@code raw}: the
     * retained raw samples in the order of {@code cached}'s retained rows. Only {@code adapters}
     * are rebuilt (all when null).
     */
    public VerifyReport verify(LegoNetModel model, PrivateSet cached, Dataset raw, int[] adapters, String which) {
        return verify(model, cached, raw, adapters, which, System.nanoTime());
    }

    private VerifyReport verify(LegoNetModel model, PrivateSet cached, Dataset raw, int[] adapters, String which,
                                long t0) {
        float[] enc = Encoders.encodeAll(model.encoder(), raw, threads, progress);
        int[] routes = model.router().routeAll(enc, raw.size(), threads);
        PrivateSet rebuilt = new PrivateSet(raw.ids(), raw.labels(), enc, model.encoder().outputDim(), routes,
                model.router().k(), new BitSet(), model.adapterCount());
        return verifyRebuilt(model, cached, rebuilt, adapters, which, t0);
    }

    /**
     * Verifies {@code model}, whose private samples are {@code cached}, against {@code rebuilt}: the
     * retained raw samples, in the order of {@code cached}'s retained rows, encoded with the model's
     * frozen encoder and routed with its frozen keys by the caller (a cluster engine does this in
     * its tasks, one raw chunk each). Everything else is this verifier's: the comparison of
     * encodings and routes, the adapters rebuilt with its {@link AdapterTraining}, the verdict.
     * Only {@code adapters} are rebuilt (all when null).
     *
     * @param startNanos {@link System#nanoTime()} when the verification began (the report's time
     *                   counts from it, so that it includes the caller's encoding)
     */
    public VerifyReport verifyRebuilt(LegoNetModel model, PrivateSet cached, PrivateSet rebuilt, int[] adapters,
                                      String which, long startNanos) {
        long t0 = startNanos;
        boolean partial = adapters != null;
        List<String> problems = new ArrayList<>();
        boolean encodingsMatch = true;
        boolean routesMatch = true;
        int[] kept = cached.retainedRows();
        if (kept.length != rebuilt.rows()) {
            problems.add("the store holds " + rebuilt.rows() + " raw samples but " + kept.length + " cached encodings");
            encodingsMatch = false;
            routesMatch = false;
        } else {
            int dim = model.encoder().outputDim();
            float[] a = new float[dim];
            float[] b = new float[dim];
            for (int i = 0; i < kept.length; i++) {
                cached.copyEncoding(kept[i], a, 0);
                rebuilt.copyEncoding(i, b, 0);
                if (cached.id(kept[i]) != rebuilt.id(i) || cached.label(kept[i]) != rebuilt.label(i)
                        || !Arrays.equals(a, b)) {
                    if (encodingsMatch) {
                        problems.add("cached encoding of sample " + rebuilt.id(i) + " differs from re-encoding its raw features");
                    }
                    encodingsMatch = false;
                }
                if (!Arrays.equals(cached.route(kept[i]), rebuilt.route(i))) {
                    if (routesMatch) {
                        problems.add("cached route of sample " + rebuilt.id(i) + " differs from re-routing it");
                    }
                    routesMatch = false;
                }
            }
        }

        int[] rebuiltAdapters = partial ? adapters.clone() : AdapterPool.all(model.adapterCount());
        Adapter[] fresh = training.train(LegoNetTrainer.adapterTrainer(model.config()), rebuilt, rebuiltAdapters,
                model.config().seed(), model.classes(), progress);
        List<Integer> differing = new ArrayList<>();
        for (Adapter a : fresh) {
            if (!a.digest().equals(model.adapter(a.index()).digest())) {
                differing.add(a.index());
            }
        }
        if (partial) {
            for (int j = 0; j < model.adapterCount(); j++) {
                if (rebuilt.size(j) != model.adapter(j).samples()
                        || !rebuilt.trainingSet(j, model.classes()).digest().equals(model.adapter(j).sampleSetDigest())) {
                    if (!differing.contains(j)) {
                        differing.add(j);
                    }
                }
            }
            differing.sort(null);
        }
        if (!differing.isEmpty()) {
            problems.add(differing.size() + " adapter" + (differing.size() == 1 ? "" : "s")
                    + " differ from a from-scratch rebuild: " + differing);
        }
        LegoNetModel rebuiltModel = model.withAdapters(Arrays.asList(fresh));
        boolean exact = encodingsMatch && routesMatch && differing.isEmpty()
                && rebuiltModel.digest().equals(model.digest());
        int notRebuilt = model.adapterCount() - rebuiltAdapters.length;
        return new VerifyReport(exact, rebuilt.rows(), rebuiltAdapters.length, notRebuilt,
                scope(rebuiltAdapters.length, notRebuilt, which), differing, encodingsMatch, routesMatch,
                model.digest(), rebuiltModel.digest(), (System.nanoTime() - t0) / 1e9, problems);
    }

    private static String scope(int rebuilt, int notRebuilt, String which) {
        if (notRebuilt == 0) {
            return "rebuilt all " + rebuilt + " adapter" + (rebuilt == 1 ? "" : "s") + " from scratch";
        }
        return "rebuilt " + rebuilt + " adapter" + (rebuilt == 1 ? "" : "s") + " " + which + "; " + notRebuilt
                + (rebuilt == 0 ? " adapter" : " other") + (notRebuilt == 1 ? "" : "s")
                + " checked only against the sample-set digests in their files, not rebuilt";
    }
}
