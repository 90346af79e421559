"""Record the learning rate of every optimizer iteration of real OpenMMLab
configs by running the REAL mmengine ``Runner`` on CPU.

Usage (from the repository root)::

    bash tests/configs/mmengine/setup_venv.sh
    tests/configs/mmengine/.venv/bin/python tests/configs/mmengine/generate.py

Writes ``tests/configs/mmengine/expected.json``.  Deterministic: the lr trace
does not depend on the data or on the gradients (no scheduler used here reads
metrics), the data are fixed and the sampler does not shuffle.

Only ``param_scheduler``, ``train_cfg`` and ``optim_wrapper.optimizer`` of each
config are used; everything else (model, datasets, hooks, ...) is replaced by
a tiny model, a tiny in-memory dataset and a minimal hook set.
"""
import copy
import json
import logging
import math
import os
import sys
import tempfile
import time
import warnings

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

import mmengine
from mmengine.config import Config
from mmengine.dataset import InfiniteSampler
from mmengine.hooks import Hook
from mmengine.model import BaseModel
from mmengine.runner import Runner

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_DIR = os.path.join(HERE, 'configs')
OUT = os.path.join(HERE, 'expected.json')

# Optimizers that exist in torch.optim: kept with all their kwargs as written.
TORCH_OPTIMIZERS = {'SGD', 'Adam', 'AdamW', 'Adadelta', 'RMSprop', 'Adagrad'}

# Corpus entries.  `config` is relative to configs/.  `batch_size` and
# `iters_per_epoch` are chosen per entry (dataset_size = batch_size *
# iters_per_epoch, so no incomplete last batch).  For iteration-based
# warmups written in iterations (by_epoch=False, e.g. end=500) the
# iters_per_epoch is chosen so that the warmup covers a few epochs, as in
# real training, instead of spanning most of the run.
ENTRIES = [
    # ---- mmpretrain (configs/_base_/schedules) ----
    dict(id='mmpretrain_cifar10_bs128',
         config='mmpretrain/configs/_base_/schedules/cifar10_bs128.py',
         batch_size=16, iters_per_epoch=5),
    dict(id='mmpretrain_cub_bs64',
         config='mmpretrain/configs/_base_/schedules/cub_bs64.py',
         batch_size=8, iters_per_epoch=8),
    dict(id='mmpretrain_imagenet_bs1024_coslr',
         config='mmpretrain/configs/_base_/schedules/imagenet_bs1024_coslr.py',
         batch_size=32, iters_per_epoch=6),
    dict(id='mmpretrain_imagenet_bs1024_linearlr_bn_nowd',
         config='mmpretrain/configs/_base_/schedules/'
         'imagenet_bs1024_linearlr_bn_nowd.py',
         batch_size=32, iters_per_epoch=20),
    dict(id='mmpretrain_imagenet_bs2048',
         config='mmpretrain/configs/_base_/schedules/imagenet_bs2048.py',
         batch_size=64, iters_per_epoch=50),
    dict(id='mmpretrain_imagenet_bs2048_AdamW',
         config='mmpretrain/configs/_base_/schedules/imagenet_bs2048_AdamW.py',
         batch_size=64, iters_per_epoch=5),
    dict(id='mmpretrain_imagenet_bs2048_adamw_levit',
         config='mmpretrain/configs/_base_/schedules/'
         'imagenet_bs2048_adamw_levit.py',
         batch_size=64, iters_per_epoch=5),
    dict(id='mmpretrain_imagenet_bs2048_rsb',
         config='mmpretrain/configs/_base_/schedules/imagenet_bs2048_rsb.py',
         batch_size=64, iters_per_epoch=7),
    dict(id='mmpretrain_imagenet_bs256_coslr',
         config='mmpretrain/configs/_base_/schedules/imagenet_bs256_coslr.py',
         batch_size=32, iters_per_epoch=5),
    dict(id='mmpretrain_imagenet_bs256_coslr_coswd_300e',
         config='mmpretrain/configs/_base_/schedules/'
         'imagenet_bs256_coslr_coswd_300e.py',
         batch_size=32, iters_per_epoch=5),
    dict(id='mmpretrain_imagenet_bs256_epochstep',
         config='mmpretrain/configs/_base_/schedules/'
         'imagenet_bs256_epochstep.py',
         batch_size=32, iters_per_epoch=5),
    dict(id='mmpretrain_imagenet_lars_coslr_200e',
         config='mmpretrain/configs/_base_/schedules/'
         'imagenet_lars_coslr_200e.py',
         batch_size=32, iters_per_epoch=5),
    # ---- mmdetection ----
    dict(id='mmdet_schedule_1x',
         config='mmdetection/configs/_base_/schedules/schedule_1x.py',
         batch_size=2, iters_per_epoch=100),
    # ---- mmdetection3d ----
    dict(id='mmdet3d_cyclic_20e',
         config='mmdetection3d/configs/_base_/schedules/cyclic-20e.py',
         batch_size=4, iters_per_epoch=10),
    dict(id='mmdet3d_cosine',
         config='mmdetection3d/configs/_base_/schedules/cosine.py',
         batch_size=2, iters_per_epoch=50),
    dict(id='mmdet3d_seg_cosine_100e',
         config='mmdetection3d/configs/_base_/schedules/seg-cosine-100e.py',
         batch_size=32, iters_per_epoch=5),
    # ---- mmsegmentation ----
    dict(id='mmseg_schedule_20k',
         config='mmsegmentation/configs/_base_/schedules/schedule_20k.py',
         batch_size=2, iters_per_epoch=10),
    # ---- mmocr ----
    dict(id='mmocr_textdet_adam_600e',
         config='mmocr/configs/textdet/_base_/schedules/schedule_adam_600e.py',
         batch_size=16, iters_per_epoch=5),
    dict(id='mmocr_textdet_sgd_100k',
         config='mmocr/configs/textdet/_base_/schedules/schedule_sgd_100k.py',
         batch_size=16, iters_per_epoch=10),
    dict(id='mmocr_textrecog_adamw_cos_6e',
         config='mmocr/configs/textrecog/_base_/schedules/'
         'schedule_adamw_cos_6e.py',
         batch_size=64, iters_per_epoch=10),
    dict(id='mmocr_textrecog_adam_step_5e',
         config='mmocr/configs/textrecog/_base_/schedules/'
         'schedule_adam_step_5e.py',
         batch_size=64, iters_per_epoch=10),
    dict(id='mmocr_kie_adam_60e',
         config='mmocr/configs/kie/_base_/schedules/schedule_adam_60e.py',
         batch_size=2, iters_per_epoch=5),
    # ---- mmyolo (inherits ../_base_/default_runtime.py, det_p5_tta.py) ----
    dict(id='mmyolo_rtmdet_l_300e',
         config='mmyolo/configs/rtmdet/rtmdet_l_syncbn_fast_8xb32-300e_coco.py',
         batch_size=32, iters_per_epoch=20),
    # ---- mmagic (inherits ../_base_/default_runtime.py) ----
    dict(id='mmagic_deblurganv2_fpn_mobilenet',
         config='mmagic/configs/deblurganv2/'
         'deblurganv2_fpn-mobilenet_1xb1_gopro.py',
         batch_size=1, iters_per_epoch=5, optim_key='generator'),
    # ---- third party mmengine-based (FRNet) ----
    dict(id='frnet_onecycle_50e',
         config='FRNet/configs/_base_/schedules/onecycle-50e.py',
         batch_size=4, iters_per_epoch=10),
]


class TinyDataset(Dataset):
    """`n` fixed items: dict(inputs=tensor of 4 floats)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = torch.tensor([math.sin(i + k) for k in range(4)])
        return dict(inputs=x)


class TinyModel(BaseModel):
    """One Linear layer; returns {'loss': ...} in 'loss' mode."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            return {'loss': (out**2).mean()}
        return out


class RecordLrHook(Hook):
    """Reads the lr the optimizer will use in this iteration.

    ``before_train_iter`` is called before ``model.train_step`` (which calls
    ``optimizer.step()``), and ``ParamSchedulerHook`` only changes the lr in
    ``after_train_iter`` / ``after_train_epoch``, so the value read here is
    exactly the lr used by this iteration's optimizer step.
    """

    priority = 'VERY_HIGH'

    def __init__(self):
        self.lrs = []
        self.momenta = []
        self.epochs = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        group = runner.optim_wrapper.optimizer.param_groups[0]
        self.lrs.append(group['lr'])
        self.epochs.append(runner.epoch)
        if 'momentum' in group:
            self.momenta.append(group['momentum'])
        elif 'betas' in group:
            self.momenta.append(group['betas'][0])


def to_plain(obj):
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj


def run_entry(entry):
    cfg_path = os.path.join(CONFIG_DIR, entry['config'])
    cfg = Config.fromfile(cfg_path)
    overrides = []

    # ---- param_scheduler, verbatim as resolved by Config ----
    sched = to_plain(cfg.param_scheduler)
    if isinstance(sched, dict):
        sched_list = [sched]
        overrides.append('param_scheduler is a single dict in the config; '
                         'passed to the Runner as written (the Runner wraps '
                         'it in a list)')
    else:
        sched_list = sched
    param_scheduler = copy.deepcopy(sched)

    # ---- train_cfg ----
    train_cfg = to_plain(cfg.train_cfg)
    train_cfg_as_written = copy.deepcopy(train_cfg)
    for k in ('val_interval', 'val_begin', 'dynamic_intervals'):
        if k in train_cfg:
            train_cfg.pop(k)
            overrides.append(f'train_cfg.{k} dropped (validation disabled)')

    # ---- optimizer ----
    optim_cfg = to_plain(cfg.optim_wrapper)
    if 'optimizer' not in optim_cfg and entry.get('optim_key'):
        # MultiOptimWrapperConstructor: keep only one sub-wrapper.
        key = entry['optim_key']
        overrides.append(
            f'optim_wrapper has several optimizers ({optim_cfg.get("constructor")}); '
            f'only optim_wrapper.{key} is used (single optimizer)')
        optim_cfg = optim_cfg[key]
    optimizer = copy.deepcopy(optim_cfg['optimizer'])
    written_type = optimizer.get('type')
    if written_type not in TORCH_OPTIMIZERS:
        new = dict(type='SGD', lr=optimizer['lr'])
        overrides.append(
            f"optimizer {written_type} is not in torch.optim (needs the "
            f"project's own registry); replaced by torch SGD with the same "
            f"lr={optimizer['lr']!r}")
        optimizer = new
    optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
    dropped = [k for k in optim_cfg if k not in ('type', 'optimizer')]
    if optim_cfg.get('type', 'OptimWrapper') != 'OptimWrapper':
        overrides.append(f"optim_wrapper type {optim_cfg['type']} -> "
                         'OptimWrapper')
    if dropped:
        overrides.append('optim_wrapper keys dropped (no effect on lr): ' +
                         ', '.join(sorted(dropped)))

    bs = entry['batch_size']
    ipe = entry['iters_per_epoch']
    n = bs * ipe
    dataset = TinyDataset(n)
    is_iter_loop = train_cfg.get('type') == 'IterBasedTrainLoop'
    if is_iter_loop:
        # As mmseg/mmocr iter-based configs do: an InfiniteSampler, so that
        # IterBasedTrainLoop never restarts the dataloader (a restart costs
        # a time.sleep(2) in mmengine/runner/loops.py
        # _InfiniteDataloaderIterator.__next__).
        loader = DataLoader(
            dataset, batch_size=bs, num_workers=0,
            sampler=InfiniteSampler(dataset, shuffle=False))
    else:
        loader = DataLoader(
            dataset, batch_size=bs, shuffle=False, num_workers=0,
            drop_last=False)
    assert len(loader) == ipe

    recorder = RecordLrHook()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as work_dir:
        runner = Runner(
            model=TinyModel(),
            work_dir=work_dir,
            train_dataloader=loader,
            train_cfg=train_cfg,
            optim_wrapper=optim_wrapper,
            param_scheduler=param_scheduler,
            default_hooks=dict(
                timer=None,
                logger=None,
                checkpoint=None,
                sampler_seed=None,
                param_scheduler=dict(type='ParamSchedulerHook')),
            custom_hooks=[recorder],
            val_dataloader=None, val_cfg=None, val_evaluator=None,
            test_dataloader=None, test_cfg=None, test_evaluator=None,
            randomness=dict(seed=0),
            log_level='ERROR',
            default_scope='mmengine',
            experiment_name=entry['id'],
        )
        t0 = time.time()
        runner.train()
        dt = time.time() - t0
        resolved = []
        for s in runner.param_schedulers:
            d = dict(type=type(s).__name__, by_epoch=s.by_epoch,
                     begin=s.begin, end=s.end, param_name=s.param_name)
            for k in ('T_max', 'eta_min', 'eta_min_ratio', 'start_factor',
                      'end_factor', 'total_iters', 'milestones', 'gamma',
                      'step_size', 'power', 'factor', 'total_steps'):
                if hasattr(s, k):
                    v = getattr(s, k)
                    if k == 'milestones':
                        v = {str(m): c for m, c in sorted(v.items())}
                    d[k] = v
            resolved.append(d)
        max_epochs = getattr(runner.train_loop, 'max_epochs', None)
        max_iters = runner.train_loop.max_iters
        loop_type = type(runner.train_loop).__name__
        logging.getLogger().handlers.clear()

    lr0 = optimizer.get('lr')
    if lr0 is None:
        overrides.append('optimizer lr not written in the config: torch '
                         'default of the optimizer class is used')
    out = dict(
        id=entry['id'],
        config=entry['config'],
        loop=loop_type,
        dataset_size=n,
        sampler='InfiniteSampler(shuffle=False)' if is_iter_loop else
        'torch default SequentialSampler (shuffle=False)',
        batch_size=bs,
        iters_per_epoch=ipe,
        lr=lr0,
        initial_lr_in_optimizer=runner.optim_wrapper.optimizer
        .param_groups[0].get('initial_lr'),
        optimizer=optimizer,
        train_cfg_as_written=train_cfg_as_written,
        train_cfg_as_run=train_cfg,
        param_scheduler=sched_list,
        param_scheduler_built=resolved,
        overrides=overrides,
        n_iters=len(recorder.lrs),
        lrs=recorder.lrs,
    )
    if loop_type == 'EpochBasedTrainLoop':
        out['max_epochs'] = max_epochs
    else:
        out['max_iters'] = max_iters
    if any(s['param_name'] != 'lr' for s in resolved):
        out['momentum_or_beta1'] = recorder.momenta
    assert len(recorder.lrs) == max_iters, (len(recorder.lrs), max_iters)
    return out, dt


def main():
    only = set(sys.argv[1:])
    warnings.simplefilter('ignore')
    entries = []
    t_all = time.time()
    for e in ENTRIES:
        if only and e['id'] not in only:
            continue
        out, dt = run_entry(e)
        print(f"{e['id']}: {out['n_iters']} iters in {dt:.1f}s", flush=True)
        entries.append(out)
    total = time.time() - t_all
    result = dict(
        libraries=dict(
            mmengine=mmengine.__version__,
            torch=torch.__version__,
            python=sys.version.split()[0]),
        notes=[
            'lrs[i] is param_groups[0]["lr"] read in before_train_iter of '
            'iteration i (0-based), i.e. the lr used by optimizer.step() of '
            'that iteration.',
            'Each entry was run with the real mmengine Runner on CPU: tiny '
            'BaseModel (one nn.Linear(4, 1)), dataset of dataset_size items, '
            'DataLoader(batch_size, no shuffling; sampler named per entry), '
            'so iters_per_epoch = '
            'dataset_size / batch_size.',
            'param_scheduler, train_cfg max_epochs/max_iters and the '
            'optimizer lr are as written in the config (see overrides per '
            'entry; no max_epochs/max_iters was reduced).',
            'Default hooks: only ParamSchedulerHook (timer, logger, '
            'checkpoint, sampler_seed disabled); no validation, no test.',
            'param_scheduler_built lists the scheduler objects the Runner '
            'built (after default `end` and convert_to_iter_based); '
            'end=1000000000 is mmengine INF.',
        ],
        entries=entries,
    )
    if only:
        print(json.dumps({e['id']: e['lrs'][:12] for e in entries}, indent=1))
        return
    # Pretty-print, but keep each long numeric list on one line.
    lists = {}

    def compact(obj, path=''):
        if isinstance(obj, dict):
            return {k: compact(v, path + '/' + k) for k, v in obj.items()}
        if isinstance(obj, list) and len(obj) > 8 and all(
                isinstance(v, (int, float)) for v in obj):
            key = f'@@LIST{len(lists)}@@'
            lists[key] = json.dumps(obj)
            return key
        if isinstance(obj, list):
            return [compact(v, path) for v in obj]
        return obj

    text = json.dumps(compact(result), indent=1)
    for key, val in lists.items():
        text = text.replace(json.dumps(key), val)
    assert json.loads(text) == json.loads(json.dumps(result))
    with open(OUT, 'w') as f:
        f.write(text + '\n')
    print(f'wrote {OUT}: {len(entries)} entries in {total:.1f}s')


if __name__ == '__main__':
    main()
