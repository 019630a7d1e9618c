package org.legonet.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.model.AdapterTraining;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import scala.Tuple2;

/**
 * Retrains the adapters of an update step on Spark, one task per adapter: the driver (which holds
 * the model's private set, as the store loads it) sends each affected adapter its retained
 * samples' ids, labels and encodings in ascending id, and each task trains it from scratch with
 * core's code ({@link SparkTrainer#trainOne}). Plugged into core's update step
 * ({@code Updater}, {@code Unlearner}), so a forget or an add on Spark is the in-process one with
 * only the adapter training moved.
 */
final class SparkAdapterTraining implements AdapterTraining {
    /** One adapter's retained samples, as its task receives them. */
    record Job(int adapter, long[] ids, int[] labels, float[] encodings, int dim) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private final JavaSparkContext sc;
    private final ModelConfig config;

    SparkAdapterTraining(JavaSparkContext sc, ModelConfig config) {
        this.sc = sc;
        this.config = config;
    }

    @Override
    public Adapter[] train(AdapterTrainer trainer, PrivateSet data, int[] which, long modelSeed, int classes,
                           Progress progress) {
        if (!trainer.config().equals(LegoNetTrainer.adapterTrainer(config).config()) || modelSeed != config.seed()) {
            throw new IllegalArgumentException("the update step trains with another configuration than the model's");
        }
        Adapter[] out = new Adapter[which.length];
        if (which.length == 0) {
            return out;
        }
        List<Job> jobs = new ArrayList<>(which.length);
        int dim = data.dim();
        for (int j : which) {
            int[] rows = data.members(j);
            long[] ids = new long[rows.length];
            int[] labels = new int[rows.length];
            float[] enc = new float[Math.multiplyExact(rows.length, dim)];
            for (int i = 0; i < rows.length; i++) {
                ids[i] = data.id(rows[i]);
                labels[i] = data.label(rows[i]);
                data.copyEncoding(rows[i], enc, i * dim);
            }
            jobs.add(new Job(j, ids, labels, enc, dim));
        }
        Broadcast<LinkedHashMap<String, Object>> conf = sc.broadcast(new LinkedHashMap<>(config.toMap()));
        progress.start("train " + which.length + " adapter" + (which.length == 1 ? "" : "s") + " on Spark",
                which.length);
        try {
            // one slice per job: parallelize cuts a list into fixed consecutive slices, one task each
            List<Tuple2<Integer, byte[]>> trained = SparkTrainer.job("retraining the adapters", () ->
                    sc.parallelize(jobs, jobs.size()).map(job -> new Tuple2<>(job.adapter(), SparkTrainer.trainOne(
                            ModelConfig.fromMap(conf.value()), classes, job.adapter(), job.ids(), job.labels(),
                            job.encodings(), job.dim()).toBytes())).collect());
            for (Tuple2<Integer, byte[]> t : trained) {
                Adapter a = Adapter.fromBytes(t._2(), "adapter " + t._1() + " from Spark");
                int at = indexOf(which, a.index());
                if (at < 0 || out[at] != null || a.index() != t._1()) {
                    throw new LegoNetException("Spark returned adapter " + a.index() + " unasked or twice");
                }
                out[at] = a;
            }
            for (int i = 0; i < out.length; i++) {
                if (out[i] == null) {
                    throw new LegoNetException("Spark returned no adapter " + which[i]);
                }
            }
            progress.step(which.length);
            return out;
        } finally {
            conf.unpersist();
            progress.finish();
        }
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
