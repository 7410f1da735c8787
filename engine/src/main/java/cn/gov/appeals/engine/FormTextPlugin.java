package cn.gov.appeals.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.Expression;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.core.variable.CoreVariableInstance;
import org.camunda.bpm.engine.impl.db.DbEntity;
import org.camunda.bpm.engine.impl.db.entitymanager.cache.CachedDbEntity;
import org.camunda.bpm.engine.impl.db.entitymanager.cache.DbEntityState;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.persistence.entity.ByteArrayEntity;
import org.camunda.bpm.engine.impl.persistence.entity.CamundaFormDefinitionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ResourceEntity;
import org.camunda.bpm.engine.impl.persistence.entity.TaskEntity;
import org.camunda.bpm.engine.impl.persistence.entity.VariableInstanceEntity;
import org.camunda.bpm.engine.variable.type.ValueType;
import org.camunda.bpm.engine.variable.value.TypedValue;
import org.springframework.stereotype.Component;

/**
 * A user completing a task writes only what the task's form offers, and its text stored trimmed.
 *
 * <p>Only the form's fields: when a user task with a Camunda Form ({@code camunda:formRef}) completes
 * (Tasklist's submit-form, REST's complete), every variable the call created or changed must be a field of
 * that form the user may fill, or a read-only field sent back unchanged (or in {@link #EXTRA_TASK_VARIABLES},
 * empty today); otherwise the call is refused as a form validation error (HTTP 400) with the message
 * “本任务的表单没有这些字段，不能提交：a、b（…）” naming all of them, the task stays open and nothing of the
 * call is kept. Workers complete external tasks, which this does not concern.
 *
 * <p>Text typed into a form is stored trimmed, whatever the channel (Tasklist's submit-form, REST's
 * complete): when a user task with a Camunda Form ({@code camunda:formRef}) completes, every text field
 * of that form ({@code textfield}, {@code textarea}; not disabled or read-only) whose variable was written
 * in this call loses the blank-looking characters at both ends ({@link BlankText}: Unicode white space
 * incl. U+3000 and no-break space, format characters such as U+200B and U+FEFF, control characters, the
 * Hangul fillers U+3164 …, U+2800); the characters between stay as typed in a text area, while a one-line
 * {@code textfield} (具体承办人, names, places) becomes one line as the workers store names
 * ({@link BlankText#oneLine}: format characters removed, every run of spaces incl. U+3000 one space;
 * tester 5, F10). A required field
 * ({@code validate.required}) left blank that way (“   ”, “　”, “ㅤ”) is refused as a form validation error (HTTP 400 over REST, Tasklist shows it) with the
 * message ““字段名”为必填项，不能为空或只填空格”; the task stays open and nothing of the call is kept.
 *
 * <p>The fields come from the form deployed with the process (formRefBinding deployment), read once per
 * deployment. Values a worker or an earlier step wrote are not touched: only variables created or changed
 * by the completing call count (the engine's entity cache of the command knows which).
 */
@Component
public class FormTextPlugin extends AbstractProcessEnginePlugin {

  /**
   * One field of a form: variable name, component type ({@code textfield}, {@code select}, …), label shown
   * to the user, whether it must be filled, whether the user may change it (not disabled, not read-only).
   */
  record FormField(String key, String type, String label, boolean required, boolean editable,
      Map<String, String> options, boolean conditional, String valuesKey, Limits limits) {
    FormField(String key, String type, String label, boolean required, boolean editable) {
      this(key, type, label, required, editable, null, false, null, Limits.NONE);
    }

    FormField(String key, String type, String label, boolean required, boolean editable,
        Map<String, String> options, boolean conditional) {
      this(key, type, label, required, editable, options, conditional, null, Limits.NONE);
    }

    boolean text() {
      return editable && ("textfield".equals(type) || "textarea".equals(type));
    }

    /** A field offering fixed options (select, radio, checklist with static {@code values}): value → label. */
    boolean fixedOptions() {
      return editable && options != null && !options.isEmpty();
    }

    /**
     * A field whose options a process variable holds (form-js {@code valuesKey}, e.g. {@code departmentOptions}
     * of 牵头承办单位): checked against that variable's value when the task completes.
     */
    boolean variableOptions() {
      return editable && valuesKey != null && !valuesKey.isEmpty();
    }

    /** A list of options (checklist, taglist) rather than one. */
    boolean many() {
      return "checklist".equals(type) || "taglist".equals(type);
    }

    /** A form-js {@code number} field the user fills. */
    boolean number() {
      return editable && "number".equals(type);
    }
  }

  /**
   * The form's {@code validate} limits of a field: {@code min}/{@code max} of a number, {@code minLength}/
   * {@code maxLength} of a text (characters, i.e. code points, of the trimmed text); null where the form sets none.
   */
  record Limits(Double min, Double max, Integer minLength, Integer maxLength) {
    static final Limits NONE = new Limits(null, null, null, null);
  }

  /** Component types whose value must be one of their options (a checklist or taglist: a list of them). */
  static final java.util.Set<String> OPTION_TYPES = java.util.Set.of("select", "radio", "checklist", "taglist");

  /**
   * Variables a user may write on completing a task although no form field has them: none today. A task
   * that needs one gets it here, with the reason, and in docs/input-rules.md.
   */
  static final java.util.Set<String> EXTRA_TASK_VARIABLES = java.util.Set.of();

  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, List<FormField>> FIELDS = new ConcurrentHashMap<>();

  /** A refusal of the completing call: a form validation error, HTTP 400 over REST, nothing kept. */
  static class FormRefusal extends FormFieldValidationException {
    FormRefusal(String key, String message) {
      super(key, message);
    }
  }

  /** The refusal of a blank required field. */
  static class BlankRequiredField extends FormRefusal {
    BlankRequiredField(String key, String label) {
      super(key, "“" + label + "”为必填项，不能为空或只填空格");
    }
  }

  /** The refusal of values that are not among their fields' fixed options. */
  static class ValuesNotInOptions extends FormRefusal {
    ValuesNotInOptions(String key, List<String> reasons) {
      super(key, String.join("；", reasons) + "（只能从表单给出的选项中选择）");
    }
  }

  /** The refusal of variables the task's form does not let the user write. */
  static class VariablesNotInForm extends FormRefusal {
    VariablesNotInForm(java.util.Collection<String> names) {
      super(names.iterator().next(), "本任务的表单没有这些字段，不能提交：" + String.join("、", names)
          + "（只能提交本任务表单中可填写的字段；只读字段不能修改）");
    }
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    // the engine wraps what a task listener throws (ENGINE-03051, HTTP 500); unwrap our refusal again
    EngineHooks.beforeCommandContext(configuration, new CommandInterceptor() {
      @Override
      public <T> T execute(Command<T> command) {
        try {
          return next.execute(command);
        } catch (ProcessEngineException e) {
          for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof FormRefusal refusal) {
              throw refusal;
            }
          }
          throw e;
        }
      }
    });
    EngineHooks.onEveryUserTask(configuration, (element, definition) -> {
      Expression formRef = definition.getCamundaFormDefinitionKey();
      String key = formRef == null ? null : formRef.getExpressionText();
      if (key != null && !key.contains("${") && !key.contains("#{")) {
        definition.addBuiltInTaskListener(TaskListener.EVENTNAME_COMPLETE, task -> checkFormVariables(task, key));
      }
    });
  }

  /**
   * On completion of the user task `delegate` (form `formKey`): refuse variables its form does not offer,
   * then trim the text fields.
   */
  static void checkFormVariables(DelegateTask delegate, String formKey) {
    TaskEntity task = (TaskEntity) delegate;
    ExecutionEntity execution = task.getExecution();
    if (execution == null) {
      return;
    }
    CommandContext context = Context.getCommandContext();
    List<FormField> fields = formFields(context, execution.getProcessDefinition().getDeploymentId(), formKey);
    refuseVariablesNotInForm(context, fields);
    java.util.function.Function<String, java.util.Optional<Written>> written = key -> {
      CoreVariableInstance instance = task.getVariableInstance(key);
      if (instance == null || !writtenNow(context, instance)) {
        return java.util.Optional.empty();
      }
      TypedValue value = instance.getTypedValue(false);
      return java.util.Optional.of(new Written(value == null ? null : value.getValue()));
    };
    refuseValuesNotInOptions(fields, written, task::getVariable);
    refuseNumbersOutOfLimits(fields, written);
    trimTextFields(context, task, fields);
  }

  /**
   * The fields of the form `formKey` deployed in `deploymentId` (nested groups included), read once per
   * deployment: the one place that says which fields a task's form has.
   */
  static List<FormField> formFields(CommandContext context, String deploymentId, String formKey) {
    return FIELDS.computeIfAbsent(deploymentId + "/" + formKey, ignored -> readFields(context, deploymentId, formKey));
  }

  /**
   * Every variable the completing call created or changed must be a field of the task's form that the user
   * may fill (or in {@link #EXTRA_TASK_VARIABLES}); a read-only field's variable may be sent back unchanged
   * (Tasklist does) or created, never changed. Otherwise {@link VariablesNotInForm} naming all of them.
   */
  static void refuseVariablesNotInForm(CommandContext context, List<FormField> fields) {
    Map<String, FormField> byKey = new java.util.HashMap<>();
    for (FormField field : fields) {
      byKey.merge(field.key(), field, (a, b) -> a.editable() ? a : b);
    }
    java.util.SortedSet<String> refused = new java.util.TreeSet<>();
    for (CachedDbEntity cached : context.getDbEntityManager().getDbEntityCache().getCachedEntities()) {
      if (!(cached.getEntity() instanceof VariableInstanceEntity variable)) {
        continue;
      }
      boolean created = cached.getEntityState() == DbEntityState.TRANSIENT;
      boolean written = cached.getEntityState() == DbEntityState.PERSISTENT && cached.isDirty();
      if (!created && !written) {
        continue;
      }
      FormField field = byKey.get(variable.getName());
      boolean allowed = EXTRA_TASK_VARIABLES.contains(variable.getName())
          || field != null && (field.editable() || created || !valueChanged(context, cached, variable));
      if (!allowed) {
        refused.add(variable.getName());
      }
    }
    if (!refused.isEmpty()) {
      throw new VariablesNotInForm(refused);
    }
  }

  /**
   * Whether the command changed the value of the loaded variable (not merely wrote it again: every write
   * counts up its sequence counter, and a value kept in a byte array changes that array, not the variable).
   */
  static boolean valueChanged(CommandContext context, CachedDbEntity cached, VariableInstanceEntity variable) {
    Map<?, ?> loaded;
    try {
      java.lang.reflect.Field copy = CachedDbEntity.class.getDeclaredField("copy");
      copy.setAccessible(true);
      loaded = new java.util.HashMap<>((Map<?, ?>) copy.get(cached));
    } catch (ReflectiveOperationException | ClassCastException | NullPointerException e) {
      return true;
    }
    Map<?, ?> now = new java.util.HashMap<>((Map<?, ?>) variable.getPersistentState());
    loaded.remove("sequenceCounter");
    now.remove("sequenceCounter");
    // a value kept in a byte array (a long text, JSON) may be rewritten in place or into a new array
    Object loadedBytes = loaded.remove("byteArrayValueId");
    Object nowBytes = now.remove("byteArrayValueId");
    if (!loaded.equals(now) || (loadedBytes == null) != (nowBytes == null)) {
      return true;
    }
    if (loadedBytes == null) {
      return false;
    }
    var cache = context.getDbEntityManager().getDbEntityCache();
    if (loadedBytes.equals(nowBytes)) {
      ByteArrayEntity bytes = cache.get(ByteArrayEntity.class, (String) nowBytes);
      CachedDbEntity cachedBytes = bytes == null ? null : cache.getCachedEntity(bytes);
      return cachedBytes != null && cachedBytes.isDirty();
    }
    byte[] before = bytesOf(context, (String) loadedBytes);
    byte[] after = bytesOf(context, (String) nowBytes);
    return before == null || after == null || !java.util.Arrays.equals(before, after);
  }

  static byte[] bytesOf(CommandContext context, String byteArrayId) {
    ByteArrayEntity bytes = context.getDbEntityManager().getDbEntityCache().get(ByteArrayEntity.class, byteArrayId);
    if (bytes == null) {
      bytes = context.getDbEntityManager().selectById(ByteArrayEntity.class, byteArrayId);
    }
    return bytes == null ? null : bytes.getBytes();
  }

  /** A value written now (it may be null). */
  record Written(Object value) {
  }

  /**
   * Every field of `fields` with fixed options whose variable `written` gives (written now) must hold one
   * of its options' values: a select or radio a string among them, a checklist a list of such strings.
   * Nothing (null, "") is allowed for a field that is not required or is shown only on a condition (form-js
   * submits nothing for a hidden field); a required field shown always must hold an option. Otherwise
   * {@link ValuesNotInOptions} naming every such field, its options and (shortened) the value sent.
   */
  static void refuseValuesNotInOptions(List<FormField> fields,
      java.util.function.Function<String, java.util.Optional<Written>> written,
      java.util.function.Function<String, Object> variables) {
    List<String> reasons = new ArrayList<>();
    String first = null;
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (FormField field : fields) {
      if (!(field.fixedOptions() || field.variableOptions()) || !seen.add(field.key())) {
        continue;
      }
      java.util.Optional<Written> sent = written.apply(field.key());
      if (sent.isEmpty()) {
        continue;
      }
      Map<String, String> options = field.options();
      if (field.variableOptions()) {
        options = optionsOf(variables.apply(field.valuesKey()));
        if (options == null) {
          continue; // the process holds no such options (a model without them): nothing to check against
        }
      }
      String reason = optionRefusal(field, options, sent.get().value());
      if (reason != null) {
        reasons.add(reason);
        first = first == null ? field.key() : first;
      }
    }
    if (!reasons.isEmpty()) {
      throw new ValuesNotInOptions(first, reasons);
    }
  }

  /** Why `value` does not fit the options of `field`, or null when it does. */
  static String optionRefusal(FormField field, Object value) {
    return optionRefusal(field, field.options(), value);
  }

  /**
   * Why `value` does not fit `options` (value → label) of `field`, or null when it does. The options are
   * listed as 代码（名称）, since the API takes the code; a label sent instead of its code is named as such
   * (tester 6, N5: ““问题类别”应填选项代码：“用地审批”请填 land”).
   */
  static String optionRefusal(FormField field, Map<String, String> options, Object value) {
    List<String> listed = new ArrayList<>();
    options.forEach((code, label) -> listed.add(code.equals(label) ? code : code + "（" + label + "）"));
    String choices = options.isEmpty() ? "当前没有可选项" : "可选：" + String.join("、", listed);
    if (value == null || "".equals(value)) {
      return field.required() && !field.conditional() ? "“" + field.label() + "”为必填项，须从选项中选择（" + choices + "）" : null;
    }
    List<?> items;
    if (field.many()) {
      items = listOf(value);
      if (items == null) {
        return "“" + field.label() + "”应为选项的列表（" + choices + "），不能是“" + shown(value) + "”";
      }
    } else {
      items = List.of(value);
    }
    for (Object item : items) {
      if (item instanceof String text && options.containsKey(text)) {
        continue;
      }
      if (item instanceof String text) {
        String code = codeOfLabel(options, text);
        if (code != null) {
          return "“" + field.label() + "”应填选项代码：“" + shown(text) + "”请填 " + code + "（" + choices + "）";
        }
      }
      return "“" + field.label() + "”的值“" + shown(item) + "”不是可选项（" + choices + "）";
    }
    return null;
  }

  /** The code of the option labelled `text` (ignoring blanks at both ends), or null when no label is it. */
  static String codeOfLabel(Map<String, String> options, String text) {
    String trimmed = BlankText.trim(text);
    for (Map.Entry<String, String> option : options.entrySet()) {
      if (!option.getValue().equals(option.getKey()) && option.getValue().equals(trimmed)) {
        return option.getKey();
      }
    }
    return null;
  }

  /**
   * Options held by a process variable (form-js {@code valuesKey}): a list of {@code {label, value}} objects
   * (a Java list of maps, Spin JSON or its text) as value → label; null when there is none or it is no list.
   */
  static Map<String, String> optionsOf(Object variable) {
    if (variable == null) {
      return null;
    }
    JsonNode node;
    try {
      node = variable instanceof java.util.Collection<?> || variable instanceof Map<?, ?>
          ? JSON.valueToTree(variable) : JSON.readTree(variable.toString());
    } catch (java.io.IOException | IllegalArgumentException e) {
      return null;
    }
    if (node == null || !node.isArray()) {
      return null;
    }
    Map<String, String> options = new java.util.LinkedHashMap<>();
    for (JsonNode option : node) {
      if (option.isObject() && option.hasNonNull("value")) {
        String code = option.path("value").asText();
        options.put(code, option.path("label").asText(code));
      } else if (option.isValueNode()) {
        options.put(option.asText(), option.asText());
      }
    }
    return options;
  }

  /** The workers' units after a number of days (validation._WORKDAY_UNIT): “3天”, “3个工作日”. */
  static final java.util.regex.Pattern DAY_UNIT = java.util.regex.Pattern.compile("\\s*(?:个)?(?:工作日|天|日)$");

  /** A plain decimal number (validation._PLAIN_NUMBER): no exponent, hex, separators or spaces. */
  static final java.util.regex.Pattern PLAIN_NUMBER = java.util.regex.Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)");

  /** The refusal of numbers outside their fields' limits, or of what is not a number. */
  static class NumbersOutOfLimits extends FormRefusal {
    NumbersOutOfLimits(String key, List<String> reasons) {
      super(key, String.join("；", reasons));
    }
  }

  /**
   * Every editable {@code number} field that `written` gives (written now) must hold a number within the
   * form's {@code validate.min}/{@code max} (what Tasklist refuses with “不能大于20。”): a number, or a text
   * the workers read as one (full-width digits, “3天”, “3个工作日”: {@code validation.whole_workdays}). Nothing
   * is allowed where the field is not required or shown only on a condition. Otherwise
   * {@link NumbersOutOfLimits}, e.g. ““申请延长工作日数”不能大于20（现为“1000”）”.
   */
  static void refuseNumbersOutOfLimits(List<FormField> fields,
      java.util.function.Function<String, java.util.Optional<Written>> written) {
    List<String> reasons = new ArrayList<>();
    String first = null;
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (FormField field : fields) {
      if (!field.number() || !seen.add(field.key())) {
        continue;
      }
      java.util.Optional<Written> sent = written.apply(field.key());
      if (sent.isEmpty()) {
        continue;
      }
      String reason = numberRefusal(field, sent.get().value());
      if (reason != null) {
        reasons.add(reason);
        first = first == null ? field.key() : first;
      }
    }
    if (!reasons.isEmpty()) {
      throw new NumbersOutOfLimits(first, reasons);
    }
  }

  /** Why `value` is no number within the limits of the number field `field`, or null when it is. */
  static String numberRefusal(FormField field, Object value) {
    if (value == null || "".equals(value)) {
      return field.required() && !field.conditional() ? "“" + field.label() + "”为必填项，须填数字" : null;
    }
    Double number = null;
    if (value instanceof Number n && !(value instanceof Boolean)) {
      number = n.doubleValue();
    } else if (value instanceof String text) {
      String plain = DAY_UNIT.matcher(BlankText.trim(java.text.Normalizer.normalize(text,
          java.text.Normalizer.Form.NFKC))).replaceAll("");
      if (PLAIN_NUMBER.matcher(plain).matches()) {
        number = Double.valueOf(plain);
      }
    }
    if (number == null || number.isNaN() || number.isInfinite()) {
      return "“" + field.label() + "”应填数字（如 3），不能是“" + shown(value) + "”";
    }
    Limits limits = field.limits();
    if (limits.min() != null && number < limits.min()) {
      return "“" + field.label() + "”不能小于" + plain(limits.min()) + "（现为“" + shown(value) + "”）";
    }
    if (limits.max() != null && number > limits.max()) {
      return "“" + field.label() + "”不能大于" + plain(limits.max()) + "（现为“" + shown(value) + "”）";
    }
    return null;
  }

  /** A limit as the form writes it: 20, not 20.0. */
  static String plain(double limit) {
    return limit == Math.rint(limit) && Math.abs(limit) < 1e15 ? Long.toString((long) limit) : Double.toString(limit);
  }

  /** A checklist's value as a list: a Java list or a JSON array (Spin JSON, or its text); null otherwise. */
  static List<?> listOf(Object value) {
    if (value instanceof java.util.Collection<?> collection) {
      return new ArrayList<>(collection);
    }
    try {
      JsonNode node = JSON.readTree(value.toString());
      if (!node.isArray()) {
        return null;
      }
      List<Object> items = new ArrayList<>();
      node.forEach(item -> items.add(item.isTextual() ? item.asText() : item.toString()));
      return items;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** `value` as the message shows it: at most 30 characters. */
  static String shown(Object value) {
    String text = String.valueOf(value);
    return text.codePointCount(0, text.length()) <= 30 ? text
        : text.substring(0, text.offsetByCodePoints(0, 30)) + "…";
  }

  static void trimTextFields(CommandContext context, TaskEntity task, List<FormField> fields) {
    for (FormField field : fields) {
      if (!field.text()) {
        continue;
      }
      CoreVariableInstance instance = task.getVariableInstance(field.key());
      if (instance == null || !writtenNow(context, instance)) {
        continue;
      }
      TypedValue value = instance.getTypedValue(false);
      if (value == null || value.getType() != ValueType.STRING || value.getValue() == null) {
        continue;
      }
      String typed = (String) value.getValue();
      String trimmed = "textfield".equals(field.type()) ? BlankText.oneLine(typed) : trim(typed);
      if (field.required() && trimmed.isEmpty()) {
        throw new BlankRequiredField(field.key(), field.label());
      }
      String length = lengthRefusal(field, trimmed);
      if (length != null) {
        throw new FormRefusal(field.key(), length);
      }
      if (!trimmed.equals(typed)) {
        task.setVariable(field.key(), trimmed);
      }
    }
  }

  /**
   * Why the trimmed text `trimmed` of `field` is shorter than its {@code validate.minLength} (when not empty)
   * or longer than its {@code maxLength}, counted in characters (code points; form-js counts UTF-16 units
   * and so is never the more lenient one), or null.
   */
  static String lengthRefusal(FormField field, String trimmed) {
    int length = trimmed.codePointCount(0, trimmed.length());
    Limits limits = field.limits();
    if (limits.maxLength() != null && length > limits.maxLength()) {
      return "“" + field.label() + "”不能超过" + limits.maxLength() + "字（现为" + length + "字）";
    }
    if (limits.minLength() != null && length > 0 && length < limits.minLength()) {
      return "“" + field.label() + "”至少" + limits.minLength() + "字（现为" + length + "字）";
    }
    return null;
  }

  /** Created or changed by the command now running (not a value an earlier step left). */
  static boolean writtenNow(CommandContext context, CoreVariableInstance instance) {
    if (!(instance instanceof DbEntity entity)) {
      return false;
    }
    CachedDbEntity cached = context.getDbEntityManager().getDbEntityCache().getCachedEntity(entity);
    return cached != null && (cached.getEntityState() == DbEntityState.TRANSIENT || cached.isDirty());
  }

  static List<FormField> readFields(CommandContext context, String deploymentId, String formKey) {
    CamundaFormDefinitionEntity form = context.getCamundaFormDefinitionManager()
        .findDefinitionByDeploymentAndKey(deploymentId, formKey);
    if (form == null) {
      return List.of();
    }
    ResourceEntity resource = context.getResourceManager()
        .findResourceByDeploymentIdAndResourceName(deploymentId, form.getResourceName());
    List<FormField> found = new ArrayList<>();
    try {
      collect(JSON.readTree(new String(resource.getBytes(), StandardCharsets.UTF_8)), found);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("form " + formKey + " of deployment " + deploymentId + " is not JSON", e);
    }
    return List.copyOf(found);
  }

  static void collect(JsonNode node, List<FormField> found) {
    collect(node, found, false);
  }

  /** The fields under `node`; `hidden` when an enclosing group is shown only on a condition. */
  static void collect(JsonNode node, List<FormField> found, boolean hidden) {
    for (JsonNode component : node.path("components")) {
      boolean conditional = hidden || !component.path("conditional").path("hide").asText("").isBlank();
      String type = component.path("type").asText();
      String key = component.path("key").asText("");
      boolean editable = !component.path("disabled").asBoolean(false) && !component.path("readonly").asBoolean(false);
      if (!key.isEmpty()) {
        Map<String, String> options = null;
        if (OPTION_TYPES.contains(type) && component.path("values").isArray() && component.path("values").size() > 0
            && !component.hasNonNull("valuesKey") && !component.hasNonNull("valuesExpression")) {
          options = new java.util.LinkedHashMap<>();
          for (JsonNode option : component.path("values")) {
            String value = option.path("value").asText();
            options.put(value, option.path("label").asText(value));
          }
          options = java.util.Collections.unmodifiableMap(options);
        }
        JsonNode validate = component.path("validate");
        Limits limits = new Limits(
            validate.path("min").isNumber() ? validate.path("min").asDouble() : null,
            validate.path("max").isNumber() ? validate.path("max").asDouble() : null,
            validate.path("minLength").isNumber() ? validate.path("minLength").asInt() : null,
            validate.path("maxLength").isNumber() ? validate.path("maxLength").asInt() : null);
        String valuesKey = OPTION_TYPES.contains(type) && component.hasNonNull("valuesKey")
            ? component.path("valuesKey").asText() : null;
        found.add(new FormField(key, type, component.path("label").asText(key),
            validate.path("required").asBoolean(false), editable, options, conditional, valuesKey, limits));
      }
      collect(component, found, conditional);
    }
  }

  /** `text` without blank-looking characters at both ends ({@link BlankText#trim}). */
  static String trim(String text) {
    return BlankText.trim(text);
  }
}
