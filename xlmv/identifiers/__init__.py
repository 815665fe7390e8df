"""The identifiers an applicant types into the form (附件3-3), one module each, all of one shape.

As in python-stdnum, every module has ``validate(value)``, which returns the value normalised or raises
``IdentifierError`` (an ``InputError`` whose ``short()`` is the Chinese problem as a cell shows it), and
``is_valid(value)``, which answers. Values may arrive straight from Excel (``None``, ``float``).

* ``uscc``: 统一社会信用代码 (GB 32100-2015, check character via ``stdnum.cn.uscc``) and whether it is
  registered in the policy's region (附件3 一.1 “在北京市注册”).
* ``district``: the Beijing area codes (GB/T 2260) behind a code's characters 3-8.
* ``industry``: 国民经济行业分类代码 (GB/T 4754-2017), reduced to its 2-digit division (大类).
* ``cac``: 中央网信办生成式人工智能服务备案号 (附件3 一.6), e.g. ``Beijing-WenXinYiYan-20230821``.
* ``email``: 联系邮箱. ``mobile``: 联系人手机.
"""

from xlmv.identifiers._common import IdentifierError

__all__ = ["IdentifierError"]
