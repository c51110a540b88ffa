/**
 * Event-driven loading, your own handler: an order service puts `OrderPlaced` events on an
 * EventBridge bus, and each order lands in Snowflake exactly once, even when EventBridge
 * delivers an event twice (it delivers at least once).
 *
 * The connector comes from the SnowflakeConnectorLayer: this file is bundled with
 * `@cdk-snowflake-keypair/connector` marked external, so the bundle holds this code only, and a
 * tsconfig `paths` entry gives it the connector's types (docs/connector.md).
 */
import { getConnector, SnowflakeConnectorError } from '@cdk-snowflake-keypair/connector';

/** The EventBridge event the order service sends. */
export interface OrderPlacedEvent {
  readonly 'id': string;
  readonly 'detail-type': string;
  readonly 'source': string;
  readonly 'time': string;
  readonly 'detail': {
    readonly orderId: string;
    readonly customerId: string;
    readonly amount: number;
    readonly currency: string;
  };
}

export interface OrderLoaded {
  readonly eventId: string;
  readonly orderId: string;
  /** false when this event had been loaded before (a redelivery). */
  readonly inserted: boolean;
}

/**
 * One MERGE keyed on the event id: a redelivered event matches and inserts nothing. Binds, never
 * string concatenation, carry the values.
 */
export const LOAD_ORDER_SQL = `MERGE INTO ORDERS T
USING (SELECT ?::VARCHAR AS EVENT_ID, ?::VARCHAR AS ORDER_ID, ?::VARCHAR AS CUSTOMER_ID,
              ?::NUMBER(12,2) AS AMOUNT, ?::VARCHAR AS CURRENCY, ?::TIMESTAMP_TZ AS PLACED_AT) S
ON T.EVENT_ID = S.EVENT_ID
WHEN NOT MATCHED THEN INSERT (EVENT_ID, ORDER_ID, CUSTOMER_ID, AMOUNT, CURRENCY, PLACED_AT)
  VALUES (S.EVENT_ID, S.ORDER_ID, S.CUSTOMER_ID, S.AMOUNT, S.CURRENCY, S.PLACED_AT)`;

export const handler = async (event: OrderPlacedEvent): Promise<OrderLoaded> => {
  const order = validOrder(event);
  const snowflake = getConnector(); // reads SNOWFLAKE_SECRET_ID once per cold start
  try {
    const { rowCount } = await snowflake.execute(LOAD_ORDER_SQL, [
      event.id, order.orderId, order.customerId, order.amount, order.currency, event.time,
    ]);
    return { eventId: event.id, orderId: order.orderId, inserted: rowCount === 1 };
  } catch (error) {
    // Typed, redacted errors: `code` says what went wrong, `retryable` whether EventBridge's
    // retry can help. Rethrowing hands the event back to EventBridge's retry policy.
    if (error instanceof SnowflakeConnectorError) {
      console.error(JSON.stringify({ message: 'Order not loaded', eventId: event.id, error: error.toJSON() }));
    }
    throw error;
  }
};

/** Checks the event before any SQL runs; the error names the field and what was expected. */
function validOrder(event: OrderPlacedEvent): OrderPlacedEvent['detail'] {
  const detail = event?.detail;
  const problems: string[] = [];
  if (typeof event?.id !== 'string' || !event.id) problems.push('id: the EventBridge event id is missing');
  if (typeof event?.time !== 'string' || Number.isNaN(Date.parse(event.time))) problems.push('time: expected an ISO 8601 timestamp');
  if (typeof detail?.orderId !== 'string' || !detail.orderId) problems.push('detail.orderId: expected a non-empty string');
  if (typeof detail?.customerId !== 'string' || !detail.customerId) problems.push('detail.customerId: expected a non-empty string');
  if (typeof detail?.amount !== 'number' || !Number.isFinite(detail.amount)) problems.push('detail.amount: expected a number');
  if (typeof detail?.currency !== 'string' || !/^[A-Z]{3}$/.test(detail.currency)) problems.push('detail.currency: expected an ISO 4217 code such as EUR');
  if (problems.length > 0) {
    throw new Error(`Not an OrderPlaced event, nothing was loaded: ${problems.join('; ')}`);
  }
  return detail;
}
