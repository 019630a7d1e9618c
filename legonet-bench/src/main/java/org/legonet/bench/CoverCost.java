package org.legonet.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.Progress;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.unlearn.Step;
import org.legonet.core.unlearn.Updater;
import org.legonet.core.util.Digests;
import org.legonet.core.util.Rng;

/**
 * What route-hiding cover costs (docs/privacy.md): one-sample forgets computed in memory by the
 * update step (no disk, so the figure is the retraining the cover adds, not the store's write) on
 * a model as trained or opened, with a given cover. Each removal starts from the same model, so the
 * figures for several covers come from the same samples, paired.
 *
 * @param cover             the cover C measured
 * @param removals          one-sample forgets timed
 * @param p50Seconds        median wall time of one removal (find, retrain the union, check the cover)
 * @param p95Seconds        95th percentile
 * @param meanSeconds       mean
 * @param adaptersRetrained mean adapters retrained per removal (k + C, fewer where n runs out)
 * @param samplesRetrained  mean samples those adapters trained on
 */
public record CoverCost(int cover, int removals, double p50Seconds, double p95Seconds, double meanSeconds,
                        double adaptersRetrained, double samplesRetrained) {

    /**
     * Times {@code removals} one-sample forgets of retained samples drawn with {@code seed}, under
     * each of {@code covers} (the same samples for every cover), after one untimed forget to warm
     * up. The cover is drawn under id hashes keyed by {@code seed}, not the model's key: which
     * adapters it picks differs, their cost is the same in distribution.
     *
     * @param model   a model as trained ({@code Trained.model()}) or opened ({@code ModelStore.model()})
     * @param data    its private samples ({@code Trained.data()}, {@code ModelStore.data()})
     * @param covers  covers to measure, each 0..n-k (for example 0, k and 4k)
     * @param threads adapter-training threads
     */
    public static List<CoverCost> measure(LegoNetModel model, PrivateSet data, int[] covers, int removals, long seed,
                                          int threads) {
        if (removals < 1) {
            throw new IllegalArgumentException("removals must be at least 1, got " + removals);
        }
        int[] rows = data.retainedRows();
        if (rows.length == 0) {
            throw new IllegalArgumentException("the model holds no retained sample to forget");
        }
        Rng rng = new Rng(Rng.derive(seed, 0x436f766572L));
        long[] ids = new long[removals + 1];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = data.id(rows[rng.nextInt(rows.length)]);
        }
        Updater.History history = new Updater.History() {
            @Override
            public boolean wasForgotten(long id) {
                return false;
            }

            @Override
            public String hashId(long id) {
                return Digests.sha256Hex((seed + ":" + id).getBytes(StandardCharsets.UTF_8)).substring(0, 32);
            }
        };
        Updater updater = new Updater(threads, Progress.NONE);
        List<CoverCost> out = new ArrayList<>();
        for (int c : covers) {
            LegoNetModel m = model.withCover(c);
            updater.step(m, data, history, Edit.forget(ForgetRequest.ofIds(ids[0])), null, false);
            double[] secs = new double[removals];
            double adapters = 0;
            double samples = 0;
            for (int i = 0; i < removals; i++) {
                long t0 = System.nanoTime();
                Step s = updater.step(m, data, history, Edit.forget(ForgetRequest.ofIds(ids[i + 1])), null, false);
                secs[i] = (System.nanoTime() - t0) / 1e9;
                adapters += s.report().adaptersRetrained().size();
                samples += s.report().samplesRetrained();
            }
            double mean = 0;
            for (double x : secs) {
                mean += x / removals;
            }
            out.add(new CoverCost(c, removals, Benchmark.r4(Benchmark.percentile(secs, 50)),
                    Benchmark.r4(Benchmark.percentile(secs, 95)), Benchmark.r4(mean), Benchmark.r2(adapters / removals),
                    Benchmark.r1(samples / removals)));
        }
        return out;
    }
}
