package cn.gov.appeals.engine;

import org.camunda.bpm.engine.impl.history.event.HistoricFormPropertyEventEntity;
import org.camunda.bpm.engine.impl.history.event.HistoryEvent;
import org.camunda.bpm.engine.impl.history.handler.DbHistoryEventHandler;

/**
 * The engine's own history writer, except for one audit record: the copy of a submitted form
 * value (ACT_HI_DETAIL, type FormProperty) that Camunda keeps as plain text in the 4,000-character
 * TEXT_ column, outside the variable serializers.
 *
 * <p>When Tasklist submits a Camunda Form (submit-form), every field is recorded there as well as
 * in the variable. The variable keeps a long text whole ({@link LongTextSerializer}); this audit
 * copy is cut to the column with a note saying so, instead of failing the whole submission.
 */
public class LongFormValueHistoryHandler extends DbHistoryEventHandler {

  static final String CUT_NOTE = "…（全文见同名变量）";

  @Override
  public void handleEvent(HistoryEvent event) {
    if (event instanceof HistoricFormPropertyEventEntity formValue) {
      Object value = formValue.getPropertyValue();
      if (value instanceof String text && text.length() > LongTextSerializer.TEXT_COLUMN) {
        int keep = LongTextSerializer.TEXT_COLUMN - CUT_NOTE.length();
        formValue.setPropertyValue(text.substring(0, keep) + CUT_NOTE);
      }
    }
    super.handleEvent(event);
  }
}
