/** A text field for a number (so it can be cleared and retyped), with its error under it. */
export function NumberField(props: {
  id: string;
  label: string;
  testId: string;
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}) {
  const { id, label, testId, value, error, onChange } = props;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        data-testid={testId}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <FieldError id={id} error={error} />
    </div>
  );
}

/** The message under field `id` when it is wrong (`aria-describedby` points at it). */
export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <p id={`${id}-error`} className="error">
      {error}
    </p>
  ) : null;
}
