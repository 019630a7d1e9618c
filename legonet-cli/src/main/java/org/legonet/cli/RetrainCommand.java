package org.legonet.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.IdKey;
import org.legonet.core.Accuracy;
import org.legonet.core.DataSource;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.ModelInfo;
import org.legonet.core.TrainStats;
import org.legonet.core.data.Dataset;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Rebuild a model from scratch on the samples it holds: the keys are fitted again.",
        name = "retrain", sortOptions = false,
        description = {"Rebuild a model from scratch with the same configuration: fit the encoder and the keys again on "
                + "the public split, and train every adapter on the private samples the model holds now (the "
                + "training ones it kept and those added since). Use it when additions have drifted the adapters' "
                + "balance ('info' shows it), or to move a model to new public data.",
                "The public split is read from where 'train' read it (as 'eval' does), or from the data options "
                        + "below: --data with --public N takes the first N rows of another file as the new public "
                        + "split (its other rows are not used).",
                "The new model's id hashes are keyed with the key --id-key-file, " + IdKey.ENV + " or DIR2.idkey "
                        + "(DIR.idkey with --replace) gives, or a new key written to that file when there is none; "
                        + "DIR itself is read without its key.",
                "The result is a new model with a fresh log: the hashes of the ids forgotten so far do not carry "
                        + "over, so adding one of them again is no longer refused, and the service's receipts "
                        + "start again. With --replace the model directory is swapped atomically once the new model "
                        + "is complete (a warning says what the fresh log drops); the directory stays locked "
                        + "against other writers meanwhile. Otherwise --out names a new directory and DIR is "
                        + "left as it is.",
                "Examples:",
                "  legonet retrain --model m --out m2",
                "  legonet retrain --model m --replace --data public-2026.csv --public 5000"})
final class RetrainCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "Where the new model goes (one of):%n")
    Target target;

    static final class Target {
        @Option(names = "--out", paramLabel = "DIR2", description = "A new model directory.")
        Path out;

        @Option(names = "--replace", description = "Replace DIR itself, atomically.")
        boolean replace;
    }

    @Option(names = "--force", description = "With --out: replace DIR2 if it holds a model.")
    boolean force;

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CliProgress progress = common.progress();
        LegoNet.Options options = new LegoNet.Options(common.threads, progress);
        Path to = target.replace ? dir.model : target.out;
        if (!target.replace) {
            if (to.toAbsolutePath().normalize().equals(dir.model.toAbsolutePath().normalize())) {
                throw new LegoNetException("--out names the model itself; use --replace to retrain it in place");
            }
            LegoNet.checkTarget(to, force);
        }
        IdKeyOptions.NewKey key = idKey.forNewModel(to, System.getenv(), spec.commandLine().getErr());
        ModelInfo before;
        ModelInfo after;
        TrainStats stats;
        Accuracy test;
        DataOptions.Prepared p;
        // replacing: hold the writer lock while reading and training, so that no update is lost
        LegoNet old = target.replace ? LegoNet.openForUpdate(dir.model, options) : LegoNet.open(dir.model, options);
        try {
            before = old.info();
            DataOptions recorded = data.orRecorded(before.dataSpec());
            p = recorded.prepare(progress);
            Dataset retained = old.retainedSamples();
            ModelConfig config = old.config();
            DataSource source = new DataSource(p.description(), p.source().toString(), p.spec(), 0);
            try (LegoNet fresh = LegoNet.train(config, p.publicSplit(), retained, options.withIdKey(key.key()), source)) {
                old.close(); // releases the lock just before the swap, which takes it again
                key.persist();
                fresh.save(to, target.replace || force);
                test = p.test() == null ? null : fresh.evaluate(p.test());
                after = fresh.info();
                stats = fresh.trainStats();
            }
        } finally {
            old.close();
        }
        PrintWriter err = spec.commandLine().getErr();
        if (target.replace) {
            long n = before.samplesForgotten();
            err.println("warning: " + to + " now holds a model with a fresh log: the " + n + (n == 1 ? " id" : " ids")
                    + " forgotten from it before " + (n == 1 ? "is" : "are") + " no longer recorded, so adding "
                    + (n == 1 ? "it" : "one of them") + " again is not refused");
            err.flush();
        }
        print(to, before, after, stats, test, p, key);
        return 0;
    }

    private void print(Path to, ModelInfo before, ModelInfo after, TrainStats stats, Accuracy test,
                       DataOptions.Prepared p, IdKeyOptions.NewKey key) {
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", to.toAbsolutePath().normalize().toString());
            j.put("from", dir.model.toAbsolutePath().normalize().toString());
            j.put("replaced", target.replace);
            j.put("data", p.description());
            j.put("public_samples", p.publicSplit().size());
            j.put("private_samples", after.retained());
            j.put("test_accuracy", test == null ? null : Out.round(test.accuracy()));
            j.put("adapter_sizes", after.adapterSizes());
            j.put("balance_ratio_before", Out.round(before.balanceRatio()));
            j.put("balance_ratio", Out.round(after.balanceRatio()));
            j.put("forgotten_ids_dropped", before.samplesForgotten());
            j.put("train_seconds", Out.round(stats.totalSeconds()));
            j.put("digest_before", before.digest());
            j.put("model_digest", after.digest());
            j.put("id_key_file", key.fileName());
            j.put("id_key_created", key.create());
            Out.json(out, j);
            return;
        }
        ModelInfo.AdapterSizes s = after.adapterSizes();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("model", to + (target.replace ? " (replaced)" : " (from " + dir.model + ")"));
        rows.put("data", p.description());
        rows.put("split", String.format(Locale.ROOT, "%,d public / %,d private (the samples %s held)",
                p.publicSplit().size(), after.retained(), dir.model));
        if (test != null) {
            rows.put("test accuracy", Out.pct(test.accuracy()));
        }
        rows.put("adapter sizes", "min " + s.min() + " / mean " + s.mean() + " / max " + s.max());
        rows.put("adapter balance", String.format(Locale.ROOT, "%.2fx the ideal cost (was %.2fx)", after.balanceRatio(),
                before.balanceRatio()));
        rows.put("training", Out.secs(stats.totalSeconds()));
        rows.put("digest before", before.digest());
        rows.put("digest after", after.digest());
        rows.put("id key", key.describe());
        Out.table(out, "Retrained.", rows);
    }
}
