package org.legonet.core.store;

import org.legonet.core.ChangeRecord;

import java.util.List;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.data.Dataset;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;

/**
 * Everything one change (a forget, an insertion, or both) does to a store, handed to
 * {@link ModelStore#commit} in one piece: what an update step computed in memory.
 *
 * @param baseGeneration the store generation the change was computed from; the commit refuses a
 *                       change computed from an older generation ({@link org.legonet.core.StaleModelException})
 * @param next           the private samples after the change: the store's set with the forgotten
 *                       rows erased and the appended rows added after its last row
 * @param model          the model with the retrained adapters
 * @param retrained      the retrained adapters
 * @param erasedRows     rows of the store's private set that are forgotten (ascending)
 * @param appended       the raw samples of the appended rows, in row order (may be empty, never null)
 * @param record         the log line (its {@code seq} and {@code time} are filled in by the store)
 */
public record StoreChange(long baseGeneration, PrivateSet next, LegoNetModel model, List<Adapter> retrained,
                          int[] erasedRows, Dataset appended, ChangeRecord record) {
}
