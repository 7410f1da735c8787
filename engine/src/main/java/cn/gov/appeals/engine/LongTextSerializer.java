package cn.gov.appeals.engine;

import java.nio.charset.StandardCharsets;
import org.camunda.bpm.engine.impl.variable.serializer.PrimitiveValueSerializer;
import org.camunda.bpm.engine.impl.variable.serializer.ValueFields;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.engine.variable.impl.value.UntypedValueImpl;
import org.camunda.bpm.engine.variable.type.ValueType;
import org.camunda.bpm.engine.variable.value.StringValue;
import org.camunda.bpm.engine.variable.value.TypedValue;

/**
 * Stores a String variable longer than the engine's text column in the byte-array table.
 *
 * <p>Camunda 7 keeps a String variable in {@code TEXT_ VARCHAR(4000)} (ACT_RU_VARIABLE,
 * ACT_HI_VARINST, ACT_HI_DETAIL): a longer value fails the whole transaction with a database
 * error, and what an enterprise typed is lost. This serializer is registered before the built-in
 * ones and takes only Strings longer than {@link #TEXT_COLUMN} characters; it writes them as UTF-8
 * into ACT_GE_BYTEARRAY, which has no such limit. The variable stays of type String for everyone:
 * REST, Tasklist forms (which submit text untyped), Cockpit, expressions and the workers read and
 * write it as any other String. Shorter Strings keep the built-in serializer, so queries by value
 * (registration numbers, business keys) work as before. Whether a text is too long for the
 * product is decided at entry (docs/input-rules.md), not here.
 */
public class LongTextSerializer extends PrimitiveValueSerializer<StringValue> {

  /** Characters of Camunda's TEXT_ column on H2 and PostgreSQL. */
  public static final int TEXT_COLUMN = 4000;

  /** The serializer's name, stored in the variable's TYPE_ column. */
  public static final String NAME = "appealsLongString";

  public LongTextSerializer() {
    super(ValueType.STRING);
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  protected boolean canWriteValue(TypedValue typedValue) {
    Object value = typedValue.getValue();
    return value instanceof String text && text.length() > TEXT_COLUMN;
  }

  @Override
  public StringValue convertToTypedValue(UntypedValueImpl untypedValue) {
    return Variables.stringValue((String) untypedValue.getValue(), untypedValue.isTransient());
  }

  @Override
  public void writeValue(StringValue value, ValueFields valueFields) {
    valueFields.setByteArrayValue(value.getValue().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public StringValue readValue(ValueFields valueFields, boolean asTransientValue) {
    byte[] bytes = valueFields.getByteArrayValue();
    String text = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    return Variables.stringValue(text, asTransientValue);
  }
}
