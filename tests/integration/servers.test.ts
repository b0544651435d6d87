import axios from 'axios';
import { Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';

describe('integration servers started by the global setup', () => {
  it('MLflow answers its REST API', async () => {
    const res = await axios.get(`${inject('mlflowUri')}/api/2.0/mlflow/experiments/get-by-name`, {
      params: { experiment_name: 'Default' },
    });
    expect(res.data.experiment.name).toBe('Default');
  });

  it('Temporal accepts a client connection on the default namespace', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const info = await connection.workflowService.describeNamespace({ namespace: 'default' });
    expect(info.namespaceInfo?.name).toBe('default');
    await connection.close();
  });
});
