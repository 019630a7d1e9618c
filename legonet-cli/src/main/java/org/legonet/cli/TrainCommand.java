package org.legonet.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.Accuracy;
import org.legonet.core.DataFit;
import org.legonet.core.DataSource;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelConfig;
import org.legonet.core.ModelInfo;
import org.legonet.core.TrainStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Train a model from scratch into a model directory.",
        name = "train", sortOptions = false,
        description = "Train a model from scratch and write it to a model directory. Fits the encoder and the keys on the public split only, encodes and routes the private split once, and trains every adapter on the samples that activate it. Nothing is written until training succeeded; the directory appears atomically.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = {"--model", "-m"}, paramLabel = "DIR", required = true, description = "Model directory to create.")
    Path model;

    @Option(names = "--force", description = "Replace an existing model directory.")
    boolean force;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    ModelOptions options = new ModelOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelConfig config = options.config();
        LegoNet.checkTarget(model, force);
        Result r = trainAndSave(model, force, data, config, !options.encoderGiven(), common,
                spec.commandLine().getErr());
        if (common.json) {
            Out.json(spec.commandLine().getOut(), r.toJson());
        } else {
            r.print(spec.commandLine().getOut());
        }
        return 0;
    }

    /**
     * What training produced, for printing.
     *
     * @param info  the trained model, as {@code info} describes it
     * @param stats figures of the training run
     */
    record Result(Path model, ModelInfo info, TrainStats stats, Accuracy test, DataOptions.Prepared data,
                  List<DataFit.Notice> notices) {
        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model.toAbsolutePath().normalize().toString());
            m.put("data", data.description());
            m.put("model_digest", info.digest());
            m.put("config", info.config().toMap());
            m.put("public_samples", data.publicSplit().size());
            m.put("private_samples", info.retained());
            m.put("test_accuracy", test == null ? null : Out.round(test.accuracy()));
            m.put("adapter_sizes", info.adapterSizes());
            m.put("expected_samples_retrained_per_removal", Out.round(info.expectedRemovalCost()));
            m.put("ideal_samples_retrained_per_removal", Out.round(info.idealRemovalCost()));
            m.put("train_seconds", Out.round(stats.totalSeconds()));
            m.put("adapter_seconds", Out.round(stats.adapterSeconds()));
            m.put("adapter_gflops", Out.round(stats.adapterGflops()));
            List<Map<String, String>> n = new ArrayList<>();
            for (DataFit.Notice notice : notices) {
                n.add(Map.of("kind", notice.kind().label(), "message", notice.message()));
            }
            m.put("notices", n);
            return m;
        }

        void print(java.io.PrintWriter out) {
            ModelInfo.AdapterSizes s = info.adapterSizes();
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("model", model.toString());
            rows.put("data", data.description());
            rows.put("split", String.format(Locale.ROOT, "%,d public / %,d private%s", data.publicSplit().size(),
                    info.retained(), data.test() == null ? "" : String.format(Locale.ROOT, " / %,d test", data.test().size())));
            ModelConfig c = info.config();
            rows.put("setting", c.encoder() + ", n=" + c.adapters() + ", k=" + c.activate() + ", " + c.adapter()
                    + ", " + c.epochs() + " epochs");
            if (test != null) {
                rows.put("test accuracy", Out.pct(test.accuracy()));
            }
            rows.put("adapter sizes", "min " + s.min() + " / mean " + s.mean() + " / max " + s.max());
            rows.put("cost per removal", String.format(Locale.ROOT, "%,.0f samples retrained (balanced ideal k^2 N/n = %,.0f)",
                    info.expectedRemovalCost(), info.idealRemovalCost()));
            rows.put("training", String.format(Locale.ROOT, "%s (adapters %s at %.1f GFLOP/s on %d threads)",
                    Out.secs(stats.totalSeconds()), Out.secs(stats.adapterSeconds()), stats.adapterGflops(),
                    stats.threads()));
            rows.put("digest", info.digest());
            Out.table(out, "Trained.", rows);
        }
    }

    /**
     * Loads the data, trains, writes the model directory, evaluates on the test split. With
     * {@code defaultEncoder} (no encoder named by the user) the default encoder is first fitted to
     * the data's shape ({@link DataFit#defaultEncoder}); an encoder the user named is used as given.
     * Notices about the setting and the data go to {@code err} (one line each) once training
     * succeeded, so that a setting the data cannot take fails with its one-line error alone.
     */
    static Result trainAndSave(Path model, boolean force, DataOptions data, ModelConfig config, boolean defaultEncoder,
                               CommonOptions common, java.io.PrintWriter err) {
        CliProgress progress = common.progress();
        DataOptions.Prepared p = data.prepare(progress);
        List<DataFit.Notice> notices = new ArrayList<>();
        ModelConfig fitted = config;
        if (defaultEncoder) {
            DataFit.EncoderChoice choice = DataFit.defaultEncoder(p.publicSplit().dim(), p.publicSplit().size());
            fitted = config.withEncoder(choice.encoder());
            choice.notice().ifPresent(notices::add);
        }
        DataFit.adapterShare(fitted, p.privateSplit().size()).ifPresent(notices::add);
        DataSource source = new DataSource(p.description(), p.source().toString(), p.spec(), p.trainRows());
        try (LegoNet net = LegoNet.train(fitted, p.publicSplit(), p.privateSplit(),
                new LegoNet.Options(common.threads, progress), source)) {
            for (DataFit.Notice n : notices) {
                err.println(line(n, fitted, p.privateSplit().size()));
            }
            err.flush();
            net.save(model, force);
            Accuracy test = p.test() == null ? null : net.evaluate(p.test());
            return new Result(model, net.info(), net.trainStats(), test, p, List.copyOf(notices));
        }
    }

    /** One line for the user: a capped default is a note, a setting that may not fit the data a warning. */
    private static String line(DataFit.Notice n, ModelConfig config, int privateSamples) {
        if (n.kind() == DataFit.Notice.Kind.FEW_SAMPLES_PER_ADAPTER) {
            return "warning: " + n.message() + " (suggested: -n " + DataFit.suggestedAdapters(config, privateSamples) + ")";
        }
        return "note: " + n.message();
    }
}
