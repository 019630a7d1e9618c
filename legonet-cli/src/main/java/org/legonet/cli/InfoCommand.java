package org.legonet.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.ChangeRecord;
import org.legonet.core.LegoNet;
import org.legonet.core.ModelInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Summarise a model directory: setting, data, adapter sizes, updates, digest.",
        name = "info", sortOptions = false,
        description = "Summarise a model directory: setting, data, adapter sizes, forgets and additions, digest. "
                + "Checks every file it loads. The adapter balance compares the expected cost of one removal with "
                + "that of perfectly balanced adapters: the keys stay frozen when samples are added, so additions "
                + "that cluster in one region raise it, and 'legonet retrain' (which fits the keys again) brings it back.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (LegoNet net = LegoNet.open(dir.model, new LegoNet.Options(common.threads, common.progress()))) {
            ModelInfo m = net.info();
            ModelInfo.AdapterSizes sizes = m.adapterSizes();
            int deletionRequests = 0;
            for (ChangeRecord r : net.history()) {
                if (!"add".equals(r.kind())) {
                    deletionRequests++;
                }
            }
            if (common.json) {
                Map<String, Object> dataset = new LinkedHashMap<>();
                dataset.put("description", m.dataset());
                dataset.put("spec", m.dataSpec());
                dataset.put("sample_shape", m.sampleShape());
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("model", m.dir().toString());
                j.put("generation", m.generation());
                j.put("created", m.created());
                j.put("updated", m.updated());
                j.put("legonet_version", m.legonetVersion());
                j.put("config", m.config().toMap());
                j.put("cover", m.config().cover());
                j.put("classes", m.classes());
                j.put("dataset", dataset);
                j.put("encoder", m.encoder());
                j.put("encoder_fingerprint", net.encoderFingerprint());
                j.put("retained_samples", m.retained());
                j.put("adapter_sizes", sizes);
                j.put("empty_adapters", m.emptyAdapters());
                j.put("expected_samples_retrained_per_removal", Out.round(m.expectedRemovalCost()));
                j.put("ideal_samples_retrained_per_removal", Out.round(m.idealRemovalCost()));
                j.put("balance_ratio", Out.round(m.balanceRatio()));
                j.put("updates", m.updates());
                j.put("deletion_requests", deletionRequests);
                j.put("samples_forgotten", m.samplesForgotten());
                j.put("samples_added", m.samplesAdded());
                j.put("id_hashes_keyed", net.keyedIdHashes());
                j.put("training", m.training());
                j.put("model_digest", m.digest());
                Out.json(spec.commandLine().getOut(), j);
                return 0;
            }
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("model", m.dir().toString());
            rows.put("setting", m.config().encoder() + ", n=" + m.config().adapters() + ", k=" + m.config().activate()
                    + ", " + m.config().adapter() + ", " + m.config().distance().label() + " routing"
                    + (m.config().balance() ? " (balanced)" : ""));
            rows.put("data", m.dataset());
            Object pub = m.dataSpec() == null ? null : m.dataSpec().get("public");
            rows.put("samples", String.format(Locale.ROOT, "%s%,d private at training, %,d added, %,d retained",
                    pub instanceof Number n ? String.format(Locale.ROOT, "%,d public, ", n.longValue()) : "",
                    m.samplesEverHeld() - m.samplesAdded(), m.samplesAdded(), m.retained()));
            rows.put("adapter sizes", "min " + sizes.min() + " / mean " + sizes.mean() + " / max " + sizes.max());
            rows.put("empty adapters", emptyAdapters(m));
            rows.put("cost per removal", String.format(Locale.ROOT, "%,.0f samples (ideal %,.0f)",
                    m.expectedRemovalCost(), m.idealRemovalCost()));
            rows.put("adapter balance", balance(m.balanceRatio()));
            rows.put("route-hiding cover", cover(m));
            rows.put("deletions", deletionRequests + " requests, " + m.samplesForgotten() + " samples");
            rows.put("id hashes", net.keyedIdHashes()
                    ? "keyed (HMAC-SHA-256 with the id key, kept outside the directory)"
                    : "unkeyed (written before format version 4: anyone with the directory can reverse them; "
                    + "legonet rekey keys them)");
            rows.put("created", m.created());
            rows.put("updated", m.updated() + " (generation " + m.generation() + ")");
            rows.put("encoder", m.encoder() + " " + Out.shortDigest(net.encoderFingerprint()));
            rows.put("digest", m.digest());
            Out.table(spec.commandLine().getOut(), null, rows);
            return 0;
        }
    }

    /** The balance ratio in words: how far the adapters' sizes have drifted from the ideal. */
    static String balance(double ratio) {
        return String.format(Locale.ROOT, "%.2fx the ideal cost (keys frozen; `legonet retrain` re-fits them)", ratio);
    }

    /** The route-hiding cover in words: what each change retrains besides its own adapters, and its cost. */
    static String cover(ModelInfo m) {
        int c = m.config().cover();
        if (c == 0) {
            return "off (a change's retrained adapters are those its samples reach; docs/privacy.md)";
        }
        return String.format(Locale.ROOT, "%d: every forget or add also retrains %d adapters it does not touch, so "
                + "logs, receipts and metrics show its k + %d, never which held the samples (about %,.0f more samples "
                + "retrained per change; docs/privacy.md)", c, c, c, c * m.adapterSizes().mean());
    }

    /** How many adapters hold no retained sample, and what that means for predictions, in words. */
    static String emptyAdapters(ModelInfo m) {
        int empty = m.emptyAdapters();
        int n = m.config().adapters();
        if (empty == 0) {
            return "none";
        }
        if (empty == n) {
            return "all " + empty + ": the model has no retained samples and answers every query with the uniform "
                    + "distribution over its " + m.classes() + " classes (class 0 on the tie)";
        }
        return empty + " of " + n + " hold no retained sample and do not vote; a query whose "
                + m.config().activate() + " adapters are all empty gets the uniform distribution";
    }
}
