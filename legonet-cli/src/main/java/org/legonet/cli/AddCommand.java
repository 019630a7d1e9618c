package org.legonet.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.Edit;
import org.legonet.core.LegoNet;
import org.legonet.core.LegoNetException;
import org.legonet.core.UpdateReport;
import org.legonet.core.data.CsvOptions;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.NpyArray;
import org.legonet.core.data.NpyReader;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Add new private samples exactly: retrain only the adapters they reach.",
        name = "add", sortOptions = false,
        description = {"Add new private samples to a model exactly: route them with the frozen encoder and keys, "
                + "retrain from scratch only the adapters they reach, store their features, and commit the new model "
                + "atomically. The result equals, bit for bit, training from scratch on the old and new samples "
                + "together (prove it with 'verify'). The keys stay frozen: 'info' shows how far additions have "
                + "drifted the adapters' balance, and 'retrain' re-fits the keys.",
                "Every sample needs a new id: an id the model holds, one repeated in the file, or one the model "
                        + "forgot earlier (unless --readd-forgotten) is refused before anything changes. So are "
                        + "a feature count other than the model's and a label outside its label set.",
                "Examples:",
                "  legonet add --model m --data new.csv --id-column id",
                "  legonet add --model m --data X_new.npy --labels y_new.npy --ids ids_new.npy",
                "  legonet add --model m --data fashion-folder --first-id 60000"})
final class AddCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Option(names = "--data", paramLabel = "PATH", required = true,
            description = "The samples to add: a .csv file, a .npy features file, or a folder in the Fashion-MNIST "
                    + "IDX layout (its training files).")
    Path data;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels .npy for .npy data "
            + "(default: NAME_labels.npy, or y_new.npy beside X_new.npy).")
    Path labels;

    @Option(names = "--label-column", paramLabel = "COL", description = "CSV label column, by header name or "
            + "0-based index (default: the column named 'label', else column 0).")
    String labelColumn;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "The samples' ids (one of):%n")
    Ids ids;

    static final class Ids {
        @Option(names = "--id-column", paramLabel = "COL", description = "CSV column holding each sample's id.")
        String column;

        @Option(names = "--ids", paramLabel = "FILE", description = "A file of ids, one per sample in order: "
                + "an integer .npy, or text with one id per line.")
        Path file;

        @Option(names = "--first-id", paramLabel = "N", description = "Number the samples N, N+1, ... in file order.")
        Long first;
    }

    @Option(names = "--readd-forgotten", description = "Allow ids the model forgot earlier (refused by default, so "
            + "that a deleted person's id does not come back by mistake).")
    boolean readdForgotten;

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Mixin
    EngineOptions engine = new EngineOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean spark = engine.spark("add", false);
        Dataset samples = read();
        java.io.PrintWriter err = spec.commandLine().getErr();
        UpdateReport r = ForgetCommand.commit(dir.model, Edit.add(samples).withReaddForgotten(readdForgotten), common,
                spark ? engine : null, "add", idKey.find(dir.model, System.getenv(), err), err);
        if (common.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("added", r.added());
            j.putAll(ForgetCommand.toJson(r));
            Out.json(spec.commandLine().getOut(), j);
        } else {
            ForgetCommand.print(spec.commandLine().getOut(), r, "added", r.added(),
                    r.changed() ? "Added." : "Nothing to add.");
        }
        return 0;
    }

    /** The samples to add, with the ids the options give them. */
    private Dataset read() {
        boolean csv = data.getFileName() != null
                && data.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
        if (ids.column != null && !csv) {
            throw new LegoNetException("--id-column applies to CSV data only; give --ids FILE or --first-id N for " + data);
        }
        CsvOptions csvOptions = CsvOptions.DEFAULTS.withLabelColumn(labelColumn).withIdColumn(ids.column);
        Dataset d = DataOptions.read(new DataSpec(data, labels, null, null, csvOptions), common.progress()).train();
        if (ids.column != null) {
            return d;
        }
        long[] given = ids.file != null ? readIds(ids.file, d.size()) : numbered(ids.first, d.size());
        float[] x = new float[Math.multiplyExact(d.size(), d.dim())];
        for (int r = 0; r < d.size(); r++) {
            d.copyRow(r, x, r * d.dim());
        }
        return new Dataset(d.name(), given, d.labels(), x, d.sampleShape());
    }

    private static long[] numbered(long first, int rows) {
        if (first < 0 || first > Long.MAX_VALUE - rows) {
            throw new LegoNetException("--first-id " + first + " does not leave room for " + rows + " ids");
        }
        long[] out = new long[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = first + i;
        }
        return out;
    }

    /** Ids from an integer .npy or a text file (one per line), exactly one per sample. */
    private static long[] readIds(Path file, int rows) {
        long[] out;
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            if (!Files.exists(file)) {
                throw new LegoNetException("ids file " + file + " does not exist");
            }
            NpyArray a = NpyReader.read(file);
            if (!a.isInteger()) {
                throw new LegoNetException("ids file " + file + " holds " + a.descr() + " values; ids are integers");
            }
            out = a.longValues();
        } else {
            out = ForgetCommand.readIds(file);
        }
        if (out.length != rows) {
            throw new LegoNetException("ids file " + file + " holds " + out.length + " ids for " + rows + " samples");
        }
        return out;
    }
}
