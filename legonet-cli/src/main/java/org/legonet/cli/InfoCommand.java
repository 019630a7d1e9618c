package org.legonet.cli;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(mixinStandardHelpOptions = true, header = "Summarise a model directory: setting, data, adapter sizes, deletions, digest.",
        name = "info", sortOptions = false,
        description = "Summarise a model directory: setting, data, adapter sizes, deletions, digest. Checks every file it loads.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelDirOption dir = new ModelDirOption();

    @Mixin
    CommonOptions common = new CommonOptions();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try (ModelStore store = ModelStore.open(dir.model, false)) {
            Manifest m = store.manifest();
            LegoNetModel lm = store.model();
            PrivateSet d = store.data();
            PrivateSet.Sizes sizes = d.sizes();
            if (common.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("model", store.dir().toString());
                j.put("format_version", m.formatVersion());
                j.put("generation", m.generation());
                j.put("created", m.created());
                j.put("updated", m.updated());
                j.put("config", m.config());
                j.put("classes", m.classes());
                j.put("dataset", m.dataset());
                j.put("encoder_fingerprint", m.encoder().fingerprint());
                j.put("key_digest", m.keys().digest());
                j.put("retained_samples", d.retained());
                j.put("adapter_sizes", sizes);
                j.put("expected_samples_retrained_per_removal", Out.round(d.expectedRemovalCost()));
                j.put("ideal_samples_retrained_per_removal", Out.round(d.idealRemovalCost()));
                j.put("deletion_requests", m.deletions().requests());
                j.put("samples_forgotten", m.deletions().samples());
                j.put("model_digest", lm.digest());
                Out.json(spec.commandLine().getOut(), j);
                return 0;
            }
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put("model", store.dir().toString());
            rows.put("setting", lm.config().encoder() + ", n=" + lm.config().adapters() + ", k=" + lm.config().activate()
                    + ", " + lm.config().adapter() + ", " + lm.config().distance().label() + " routing"
                    + (lm.config().balance() ? " (balanced)" : ""));
            rows.put("data", m.dataset().description());
            rows.put("samples", String.format(Locale.ROOT, "%,d public, %,d private at training, %,d retained",
                    m.dataset().publicRows(), m.privateData().rows(), d.retained()));
            rows.put("adapter sizes", "min " + sizes.min() + " / mean " + sizes.mean() + " / max " + sizes.max());
            rows.put("cost per removal", String.format(Locale.ROOT, "%,.0f samples (ideal %,.0f)",
                    d.expectedRemovalCost(), d.idealRemovalCost()));
            rows.put("deletions", m.deletions().requests() + " requests, " + m.deletions().samples() + " samples");
            rows.put("created", m.created());
            rows.put("updated", m.updated() + " (generation " + m.generation() + ")");
            rows.put("encoder", m.encoder().spec() + " " + Out.shortDigest(m.encoder().fingerprint()));
            rows.put("digest", lm.digest());
            Out.table(spec.commandLine().getOut(), null, rows);
            return 0;
        }
    }
}
