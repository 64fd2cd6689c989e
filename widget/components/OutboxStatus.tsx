interface Props {
  waiting: boolean;
  /** The server keeps answering "too many requests". */
  limited?: boolean;
  /** The server's reason for refusing one of this chat's messages, if it did. */
  rejected?: string;
}

/** Where the user learns that what they sent is stored but not delivered yet, or was refused. */
export function OutboxStatus({ waiting, limited, rejected }: Props) {
  return (
    <>
      {/* Always in the DOM so screen readers announce the change. */}
      <p class="status" role="status">
        {limited
          ? 'Too many messages right now. Yours are saved and will be sent automatically.'
          : waiting
            ? "Saved — will send when you're back online"
            : ''}
      </p>
      {rejected && (
        <p class="status err" role="alert">
          Your message could not be sent: {rejected}
        </p>
      )}
    </>
  );
}
