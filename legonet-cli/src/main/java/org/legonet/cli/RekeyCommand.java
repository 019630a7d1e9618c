package org.legonet.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import org.legonet.core.ChangeRecord;
import org.legonet.core.IdKey;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelInfo;
import org.legonet.server.ReceiptRekey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, name = "rekey", sortOptions = false,
        header = "Key the id hashes of a model written before LegoNet keyed them.",
        description = {"Models written before format version 4 keep unkeyed id hashes (SHA-256 of the model's salt "
                + "and the id) in their deletion log and receipts: whoever holds the directory can hash every possible "
                + "id and so find which ids were forgotten. rekey finds each forgotten id again in your data by its old "
                + "hash (as eval does: the data the model was trained on, unless the options below name other data), "
                + "then rewrites the receipts and the deletion log with hashes keyed by the model's id key (HMAC-SHA-256), "
                + "each atomically. The model itself does not change.",
                "The key comes from --id-key-file, " + IdKey.ENV + " or DIR.idkey beside the model directory; when "
                        + "there is none, a new key is written there (owner-only). If any forgotten id hash matches no "
                        + "id of the data, nothing is written. Stop a running service first (rekey needs the "
                        + "directory's writer lock); an interrupted rekey can be run again.",
                "Example:",
                "  legonet rekey --model m --data train.csv --id-column id"})
final class RekeyCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Mixin
    IdKeyOptions idKey = new IdKeyOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        CliProgress progress = common.progress();
        LegoNet.Options options = new LegoNet.Options(common.threads, progress);
        ModelInfo info;
        try (LegoNet net = LegoNet.open(dir.model, options)) {
            info = net.info();
            if (net.keyedIdHashes()) {
                return done(false, 0, 0, null);
            }
        }
        IdKeyOptions.NewKey key = idKey.forNewModel(dir.model, System.getenv(), err);
        DataOptions recorded = data.orRecorded(info.dataSpec());
        DataOptions.Prepared p = recorded.prepare(progress);
        LongStream ids = LongStream.concat(LongStream.of(p.publicSplit().ids()), LongStream.of(p.privateSplit().ids()));
        if (p.test() != null) {
            ids = LongStream.concat(ids, LongStream.of(p.test().ids()));
        }
        long[] candidates = ids.toArray();
        int[] receipts = new int[1];
        try (LegoNet net = LegoNet.openForUpdate(dir.model, options.withIdKey(key.key()))) {
            LegoNet rekeyed = net.rekey(candidates, keyed -> {
                key.persist();
                receipts[0] = ReceiptRekey.rewrite(dir.model, keyed);
            });
            int logHashes = rekeyed.history().stream().mapToInt(ChangeRecord::forgotten).sum();
            return done(true, logHashes, receipts[0], key);
        }
    }

    private int done(boolean rekeyed, int logHashes, int receiptHashes, IdKeyOptions.NewKey key) {
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", dir.model.toAbsolutePath().normalize().toString());
            j.put("rekeyed", rekeyed);
            j.put("log_hashes", logHashes);
            j.put("receipt_hashes", receiptHashes);
            j.put("id_key_file", key == null ? null : key.fileName());
            j.put("id_key_created", key != null && key.create());
            Out.json(out, j);
            return 0;
        }
        if (!rekeyed) {
            out.println("Nothing to do: the id hashes of " + dir.model + " are keyed already.");
            out.flush();
            return 0;
        }
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("model", dir.model.toString());
        rows.put("deletion log", logHashes + " id hash" + (logHashes == 1 ? "" : "es") + " keyed");
        rows.put("receipts", receiptHashes + " id hash" + (receiptHashes == 1 ? "" : "es") + " keyed");
        rows.put("id key", key.describe());
        Out.table(out, "Rekeyed.", rows);
        out.flush();
        return 0;
    }
}
