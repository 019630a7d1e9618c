package org.legonet.core.unlearn;

import java.util.List;
import org.legonet.core.ChangeRecord;
import org.legonet.core.UpdateReport;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;

/**
 * The next model, computed in memory by {@link Updater#step}: nothing is written until a store
 * commits it.
 *
 * @param model      the model with the retrained adapters
 * @param data       the private samples after the edit: forgotten rows erased, added rows appended
 * @param retrained  the retrained adapters, ascending index
 * @param erasedRows rows of the previous private set that are forgotten, ascending (an added sample
 *                   the same edit forgets is neither appended nor listed here)
 * @param appended   the raw samples of the appended rows, in row order (empty when none, never null)
 * @param record     the log record to commit (its sequence number and time are set by the store),
 *                   or {@code null} when nothing changes
 * @param report     what the step did (not yet committed)
 */
public record Step(LegoNetModel model, PrivateSet data, List<Adapter> retrained, int[] erasedRows, Dataset appended,
                   ChangeRecord record, UpdateReport report) {
    /** Whether the model changes. */
    public boolean changed() {
        return record != null;
    }
}
