package org.legonet.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.Progress;
import org.legonet.core.TrainStats;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.routing.Keys;
import org.legonet.core.routing.Router;
import scala.Tuple2;

/**
 * Trains a LegoNet as Spark jobs, bit for bit the model {@code LegoNet.train} gives in process on
 * the same configuration and data, for any partitioning of the private samples and any number of
 * executors:
 *
 * <ol>
 *   <li>the driver fits the encoder on the public split and the keys on its encodings, with core's
 *       {@link LegoNetTrainer} (the same seeds), and broadcasts both in the store's byte formats
 *       ({@link Frozen});</li>
 *   <li>each input partition is encoded and routed on its executor (encoding and routing are per
 *       sample: a sample's bits do not depend on its partition);</li>
 *   <li>every (adapter, sample) pair goes to the adapter's own partition ({@link AdapterPartitioner},
 *       a partitioning by key, never round robin), where one task trains the adapter from scratch
 *       with core's {@link AdapterPool} on its samples in ascending id;</li>
 *   <li>the driver collects the n trained adapters (as store bytes) and builds the model.</li>
 * </ol>
 *
 * Nothing here computes a number core does not: the seeds, the label checks, encoding, routing and
 * adapter training are core's code, so the engines cannot drift apart.
 */
public final class SparkTrainer {
    private final ModelConfig config;
    private final int driverThreads;
    private final Progress progress;

    /**
     * @param driverThreads threads the driver uses to fit the encoder and encode the public split
     * @param progress      where the driver's steps report
     */
    public SparkTrainer(ModelConfig config, int driverThreads, Progress progress) {
        this.config = config;
        this.driverThreads = driverThreads;
        this.progress = progress;
    }

    /** The samples of a dataset held on the driver, in {@code partitions} slices of its row order. */
    public static JavaRDD<Sample> samples(JavaSparkContext sc, Dataset data, int partitions) {
        List<Sample> list = new ArrayList<>(data.size());
        for (int r = 0; r < data.size(); r++) {
            float[] x = new float[data.dim()];
            data.copyRow(r, x, 0);
            list.add(new Sample(data.id(r), data.label(r), x));
        }
        return sc.parallelize(list, partitions);
    }

    /**
     * Trains from scratch: encoder and keys on {@code publicSplit} (on the driver), adapters on
     * {@code privateSamples} (on the executors). The result holds the private samples' encodings
     * cached on the executors until it is closed.
     *
     * @throws LegoNetException as in process: an empty public split, a label outside the label set,
     *                          a sample with the wrong number of features, an id given twice
     */
    public SparkModel train(JavaSparkContext sc, Dataset publicSplit, JavaRDD<Sample> privateSamples) {
        if (publicSplit.size() == 0) {
            throw new LegoNetException("the public split is empty; it is needed to fit the encoder and the keys");
        }
        LegoNetTrainer core = new LegoNetTrainer(config, driverThreads, progress);
        int classes = core.labelSet(publicSplit);
        long t0 = System.nanoTime();
        Encoder encoder = core.fitEncoder(publicSplit);
        JavaRDD<EncodedSample> encoded = null;
        Broadcast<Frozen> frozen = null;
        try {
            String fingerprint = encoder.fingerprint();
            long t1 = System.nanoTime();
            float[] pubEnc = Encoders.encodeAll(encoder, publicSplit, driverThreads, progress);
            long t2 = System.nanoTime();
            Keys keys = core.fitKeys(pubEnc, publicSplit.size(), encoder.outputDim());
            long t3 = System.nanoTime();
            Broadcast<Frozen> shipped = sc.broadcast(new Frozen(config, classes, encoder, fingerprint, keys,
                    publicSplit.sampleShape()));
            frozen = shipped;
            encoded = privateSamples.mapPartitions(it -> encodePartition(shipped.value(), it))
                    .persist(StorageLevel.MEMORY_AND_DISK());
            JavaRDD<EncodedSample> enc = encoded;
            int n = config.adapters();
            List<Long> repeated = job("checking the private ids", () -> enc
                    .mapToPair(s -> new Tuple2<>(s.id(), 1)).reduceByKey(Integer::sum)
                    .filter(t -> t._2() > 1).keys().take(10));
            if (!repeated.isEmpty()) {
                List<Long> ids = new ArrayList<>(repeated);
                Collections.sort(ids);
                throw new LegoNetException("private samples: id " + ids.get(0) + " appears more than once"
                        + (ids.size() > 1 ? " (also ids " + ids.subList(1, ids.size()) + ")" : ""));
            }
            JavaRDD<Tuple2<Integer, byte[]>> trained = encoded
                    .flatMapToPair(SparkTrainer::routed)
                    .partitionBy(new AdapterPartitioner(n))
                    .mapPartitionsWithIndex((j, it) -> trainAdapter(shipped.value(), j, it), true);
            List<Tuple2<Integer, byte[]>> bytes = job("training the adapters", trained::collect);
            long t4 = System.nanoTime();
            Adapter[] adapters = new Adapter[n];
            for (Tuple2<Integer, byte[]> t : bytes) {
                Adapter a = Adapter.fromBytes(t._2(), "adapter " + t._1() + " from Spark");
                if (a.index() != t._1() || adapters[a.index()] != null) {
                    throw new LegoNetException("Spark returned adapter " + a.index() + " for partition " + t._1()
                            + " or twice");
                }
                adapters[a.index()] = a;
            }
            AdapterTrainer trainer = LegoNetTrainer.adapterTrainer(config);
            long flops = 0;
            for (int j = 0; j < n; j++) {
                if (adapters[j] == null) {
                    throw new LegoNetException("Spark returned no adapter " + j);
                }
                flops += trainer.flops(encoder.outputDim(), classes, adapters[j].samples());
            }
            LegoNetModel model = new LegoNetModel(config, encoder, fingerprint, keys, classes, adapters);
            TrainStats stats = new TrainStats((t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9,
                    flops, driverThreads);
            return new SparkModel(model, encoded, publicSplit, stats, progress);
        } catch (RuntimeException | Error e) {
            if (encoded != null) {
                encoded.unpersist();
            }
            encoder.close();
            throw e;
        } finally {
            if (frozen != null) {
                frozen.unpersist();
            }
        }
    }

    /** Encodes and routes one input partition with the frozen encoder and keys (runs on an executor). */
    static Iterator<EncodedSample> encodePartition(Frozen frozen, Iterator<Sample> it) {
        List<Sample> rows = new ArrayList<>();
        it.forEachRemaining(rows::add);
        if (rows.isEmpty()) {
            return Collections.emptyIterator();
        }
        int in = frozen.inputDim();
        int m = rows.size();
        long[] ids = new long[m];
        int[] labels = new int[m];
        float[] x = new float[Math.multiplyExact(m, in)];
        for (int i = 0; i < m; i++) {
            Sample s = rows.get(i);
            if (s.features().length != in) {
                throw new LegoNetException("private sample id " + s.id() + " has " + s.features().length
                        + " features; the encoder takes " + in);
            }
            ids[i] = s.id();
            labels[i] = s.label();
            System.arraycopy(s.features(), 0, x, i * in, in);
        }
        Dataset part = new Dataset("private samples", ids, labels, x, frozen.sampleShape());
        new LegoNetTrainer(frozen.config(), 1, Progress.NONE).checkPrivateLabels(part, frozen.classes());
        Routed r = encodeAndRoute(frozen, part);
        float[] enc = r.encodings();
        int[] routes = r.routes();
        int k = r.k();
        int dim = r.dim();
        List<EncodedSample> out = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            out.add(new EncodedSample(ids[i], labels[i], rows.get(i).features(),
                    Arrays.copyOfRange(enc, i * dim, (i + 1) * dim), Arrays.copyOfRange(routes, i * k, (i + 1) * k)));
        }
        return out.iterator();
    }

    /** Samples encoded ({@code rows * dim}) and routed ({@code rows * k}), in their order. */
    record Routed(float[] encodings, int dim, int[] routes, int k) {
    }

    /**
     * Encodes {@code part} with the frozen encoder and routes it with the frozen keys, on this
     * task's thread (runs on an executor): core's encoder and router, as in process.
     */
    static Routed encodeAndRoute(Frozen frozen, Dataset part) {
        float[] enc;
        try (Encoder encoder = frozen.encoder()) {
            enc = Encoders.encodeAll(encoder, part, 1, Progress.NONE);
        }
        Keys keys = frozen.keys();
        int k = frozen.config().activate();
        return new Routed(enc, keys.dim(), new Router(keys, k).routeAll(enc, part.size(), 1), k);
    }

    /** One (adapter, sample) pair per adapter the sample activates. */
    static Iterator<Tuple2<Integer, AdapterSample>> routed(EncodedSample s) {
        List<Tuple2<Integer, AdapterSample>> out = new ArrayList<>(s.route().length);
        AdapterSample a = new AdapterSample(s.id(), s.label(), s.encoding());
        for (int j : s.route()) {
            out.add(new Tuple2<>(j, a));
        }
        return out.iterator();
    }

    /**
     * Trains adapter {@code j} from scratch on the samples of its partition (runs on an executor),
     * with core's {@link AdapterPool}: its seed, its samples in ascending id, on this task's thread.
     *
     * @return the adapter in the store's byte format
     */
    static Iterator<Tuple2<Integer, byte[]>> trainAdapter(Frozen frozen, int j,
                                                          Iterator<Tuple2<Integer, AdapterSample>> it) {
        List<AdapterSample> samples = new ArrayList<>();
        while (it.hasNext()) {
            Tuple2<Integer, AdapterSample> t = it.next();
            if (t._1() != j) {
                throw new IllegalStateException("sample for adapter " + t._1() + " in partition " + j);
            }
            samples.add(t._2());
        }
        samples.sort(Comparator.comparingLong(AdapterSample::id));
        int m = samples.size();
        int dim = frozen.keys().dim();
        long[] ids = new long[m];
        int[] labels = new int[m];
        float[] enc = new float[Math.multiplyExact(m, dim)];
        for (int i = 0; i < m; i++) {
            AdapterSample s = samples.get(i);
            ids[i] = s.id();
            labels[i] = s.label();
            System.arraycopy(s.encoding(), 0, enc, i * dim, dim);
        }
        Adapter a = trainOne(frozen.config(), frozen.classes(), j, ids, labels, enc, dim);
        return List.of(new Tuple2<>(j, a.toBytes())).iterator();
    }

    /**
     * Trains adapter {@code j} from scratch on these samples (all of them routed to it), in a task,
     * with core's {@link AdapterPool}: its seed, the samples in ascending id, on this thread. The
     * samples become a private set whose every row activates j alone, so its routing index hands j
     * exactly these rows in ascending id, as the whole private set does in process.
     */
    static Adapter trainOne(ModelConfig config, int classes, int j, long[] ids, int[] labels, float[] encodings,
                            int dim) {
        int[] routes = new int[ids.length];
        Arrays.fill(routes, j);
        PrivateSet set;
        try {
            set = new PrivateSet(ids, labels, encodings, dim, routes, 1, new BitSet(), config.adapters());
        } catch (IllegalArgumentException e) {
            throw new LegoNetException("private samples: " + e.getMessage(), e);
        }
        return AdapterPool.train(LegoNetTrainer.adapterTrainer(config), set, new int[] {j}, config.seed(), classes, 1,
                Progress.NONE)[0];
    }

    /**
     * Runs a Spark action; a LegoNet error raised in a task reaches the caller as itself (one line
     * naming the problem), anything else as a {@link LegoNetException} naming the step.
     */
    static <T> T job(String what, Callable<T> action) {
        try {
            return action.call();
        } catch (LegoNetException e) {
            throw e;
        } catch (Exception e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof LegoNetException) {
                    throw (LegoNetException) c;
                }
            }
            throw new LegoNetException(what + " failed on Spark: " + e.getMessage(), e);
        }
    }
}
