package org.legonet.core.unlearn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.store.ModelStore;
import org.legonet.core.util.Progress;

/**
 * Proves a stored model exact: rebuilds it from the retained raw samples alone (re-encode with the
 * frozen encoder, re-route with the frozen keys, retrain adapters from scratch) and compares every
 * adapter's digest with the stored one. Nothing is written.
 */
public final class Verifier {
    private final int threads;
    private final Progress progress;

    public Verifier(int threads, Progress progress) {
        this.threads = threads;
        this.progress = progress;
    }

    /**
     * @param affectedOnly retrain only the adapters some forget has retrained (faster); the others
     *                     are still checked for their sample sets
     */
    public VerifyReport verify(ModelStore store, boolean affectedOnly) {
        return verify(store, affectedOnly ? store.adaptersEverRetrained() : null);
    }

    /**
     * Verifies with only {@code adapters} retrained from scratch (all when null); every other
     * adapter is checked by the digest of its rebuilt sample set.
     */
    public VerifyReport verify(ModelStore store, int[] adapters) {
        boolean affectedOnly = adapters != null;
        long t0 = System.nanoTime();
        // the samples first: a read-only store that a commit superseded meanwhile moves to the newer generation
        Dataset raw = store.readRaw(progress);
        LegoNetModel model = store.model();
        PrivateSet cached = store.data();
        List<String> problems = new ArrayList<>();
        float[] enc = Encoders.encodeAll(model.encoder(), raw, threads, progress);
        int[] routes = model.router().routeAll(enc, raw.size(), threads);
        PrivateSet rebuilt = new PrivateSet(raw.ids(), raw.labels(), enc, model.encoder().outputDim(), routes,
                model.router().k(), new BitSet(), model.adapterCount());

        boolean encodingsMatch = true;
        boolean routesMatch = true;
        int[] kept = cached.retainedRows();
        if (kept.length != raw.size()) {
            problems.add("the store holds " + raw.size() + " raw samples but " + kept.length + " cached encodings");
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

        int[] which = affectedOnly ? adapters.clone() : AdapterPool.all(model.adapterCount());
        Adapter[] fresh = AdapterPool.train(LegoNetTrainer.adapterTrainer(model.config()), rebuilt, which,
                model.config().seed(), model.classes(), threads, progress);
        List<Integer> differing = new ArrayList<>();
        for (Adapter a : fresh) {
            if (!a.digest().equals(model.adapter(a.index()).digest())) {
                differing.add(a.index());
            }
        }
        if (affectedOnly) {
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
        return new VerifyReport(exact, raw.size(), which.length, differing, encodingsMatch, routesMatch,
                model.digest(), rebuiltModel.digest(), (System.nanoTime() - t0) / 1e9, problems);
    }
}
